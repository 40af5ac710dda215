// The few viem functions the dashboard needs in the browser, bundled by api/plugins/web.ts
// (esbuild, on first request) into /dashboard/vendor/viem.js.
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
  parseAbi,
} from "viem";
