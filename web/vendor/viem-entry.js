// The few viem functions the dashboard needs in the browser, bundled by scripts/lib/build.ts
// (esbuild, `npm run build:web`) into web/dist/vendor/viem.js, served at /dashboard/vendor/viem.js.
export {
  concat,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionData,
  getAddress,
  hashTypedData,
  isAddress,
  keccak256,
} from "viem";
