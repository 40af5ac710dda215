/** The data source's entry point (subgraph.yaml `file`): every handler, one file per event group. */
export { handleRootFinalized, handleRootProposed, handleRootVetoed } from "./roots";
export { handleClaimAuthorizationUsed, handleClaimLimited, handleClaimed, handleNonceInvalidated } from "./claims";
export { handleExcessWithdrawn, handleFunded, handleShortfallReported, handleTokenSwept } from "./funding";
export {
  handleDisputeWindowChanged,
  handleOutflowLimitChanged,
  handlePaused,
  handleRoleGranted,
  handleRoleRevoked,
  handleSignerAdded,
  handleSignerRemoved,
  handleThresholdChanged,
  handleUnpaused,
} from "./governance";
