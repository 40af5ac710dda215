// The few viem functions the dashboard needs in the browser, bundled by api/plugins/web.ts
// (esbuild, on first request) into /dashboard/vendor/viem.js.
export {
  concat,
  decodeErrorResult,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  isAddress,
  keccak256,
  parseAbi,
} from "viem";
