// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Only ids are indexed: every extra topic costs gas on the hot claim path, and indexers read the data.
// solhint-disable gas-indexed-events

/// @title IRewardsDistributor
/// @notice The StreamrP2P rewards distributor: an oracle quorum proposes one Merkle root of cumulative
/// entitlements per epoch, a guardian may veto it during a dispute window, anyone finalizes it afterwards, and
/// supporters (or anyone on their behalf, or a relayer with their EIP-712 authorization) claim
/// `cumulativeAmount - claimed` in a 6-decimal USD stablecoin.
/// @dev Amounts are stablecoin base units (µUSD). Epochs start at 1 and are strictly consecutive.
/// Leaves are `keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))))`, the
/// StandardMerkleTree format of the OpenZeppelin merkle-tree library for `["address", "uint256"]`.
/// EIP-712 domain: name "StreamrP2P RewardsDistributor", version "1", chainId, verifyingContract = the distributor.
interface IRewardsDistributor {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The lifecycle of an epoch's root.
    /// @dev `None` → `Pending` (proposed) → `Finalized`, or `Pending` → `Vetoed`; a vetoed epoch number may be
    /// proposed again, under the next attempt (fresh signatures), which overwrites its record. A pending root is
    /// also vetoed (by the contract, `RootVetoed` naming why) when a signer is removed or the threshold raised.
    enum EpochStatus {
        None,
        Pending,
        Finalized,
        Vetoed
    }

    /// @notice What the contract stores per epoch (two slots). The receipts root, dataset hash, rate card hash
    /// and signers are only in the `RootProposed` event: the signed digest commits to them.
    /// @param root The Merkle root of cumulative entitlements.
    /// @param cumulativeTotal The sum of every cumulative entitlement in the tree, in µUSD.
    /// @param validAt The timestamp from which the root may be finalized (proposal time + dispute window).
    /// @param status The epoch's status.
    /// @param attempt The attempt its root was signed for: 1 for an epoch's first proposal, one more after each veto.
    // Two slots: the root, then 128 + 64 + 8 + 32 bits.
    // solhint-disable-next-line gas-struct-packing
    struct EpochRecord {
        bytes32 root;
        uint128 cumulativeTotal;
        uint64 validAt;
        EpochStatus status;
        uint32 attempt;
    }

    /// @notice An account's EIP-712 authorization for a relayer to claim on its behalf (`claimWithSig`).
    /// Typed as `ClaimAuthorization(address account,address recipient,address relayer,uint256 maxRelayerFee,uint256 nonce,uint256 deadline)`.
    /// IMPORTANT: the authorization does not fix an amount and a direct `claim` does not consume its nonce: until
    /// its deadline it lets the relayer claim whatever is due when it is used, to `recipient`, also entitlements
    /// earned after it was signed. `invalidateNonce` revokes it.
    /// @param account The account whose entitlement is claimed (the signer).
    /// @param recipient Who receives the claimed amount minus the relayer fee.
    /// @param relayer The only address that may submit it; zero lets anyone submit it.
    /// @param maxRelayerFee The most the relayer (`msg.sender`) may take, in µUSD.
    /// @param nonce The account's next sequential nonce (`nonces(account)`).
    /// @param deadline The last timestamp at which the authorization may be used.
    struct ClaimAuthorization {
        address account;
        address recipient;
        address relayer;
        uint256 maxRelayerFee;
        uint256 nonce;
        uint256 deadline;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a quorum-signed root is proposed for `epoch`.
    /// @param epoch The epoch number.
    /// @param attempt The attempt the signers signed (1, then one more after each veto of this epoch).
    /// @param root The Merkle root of cumulative entitlements.
    /// @param cumulativeTotal The sum of every cumulative entitlement, in µUSD.
    /// @param receiptsRoot The root over the epoch's accepted receipts.
    /// @param datasetHash The hash of the epoch's canonical dataset.
    /// @param rateCardHash The hash of the rate card version used.
    /// @param validAt The timestamp from which the root may be finalized.
    /// @param signers The oracle signers whose signatures were verified, in the order given.
    event RootProposed(
        uint64 indexed epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash,
        uint64 validAt,
        address[] signers
    );

    /// @notice Emitted when a guardian vetoes the pending root of `epoch`; the epoch number may be proposed again.
    event RootVetoed(uint64 indexed epoch, address indexed guardian, string reason);

    /// @notice Emitted when the pending root of `epoch` becomes the claimable root (the root itself is in the
    /// epoch's latest `RootProposed`; leaving it out keeps `finalize` to one cold read).
    event RootFinalized(uint64 indexed epoch, uint256 cumulativeTotal);

    /// @notice Emitted for every payout.
    /// @param account The account whose entitlement was claimed.
    /// @param recipient Who received `amount` (minus the relayer fee, for `claimWithSig`).
    /// @param amount The amount paid out, relayer fee included, in µUSD.
    /// @param cumulativeClaimed The account's total claimed after this claim.
    /// @param epoch The finalized epoch whose root the claim was proven against.
    event Claimed(address indexed account, address recipient, uint256 amount, uint256 cumulativeClaimed, uint64 epoch);

    /// @notice Emitted when the circuit breaker let only `paid` of the `due` amount out: the rest stays claimable.
    event ClaimLimited(address indexed account, uint256 due, uint256 paid);

    /// @notice Emitted when `account` revokes its outstanding claim authorization (nonce `nonce`).
    event NonceInvalidated(address indexed account, uint256 nonce);

    /// @notice Emitted when a proof shows `account`'s leaf below what it has claimed: `shortfall` of the claimed
    /// amount is not covered by the current root's total, and `excess()` no longer counts it as free.
    /// @param knownShortfall The sum of every account's reported shortfall, after this report.
    event ShortfallReported(
        address indexed account,
        uint256 cumulativeAmount,
        uint256 claimed,
        uint256 shortfall,
        uint256 knownShortfall
    );

    /// @notice Emitted when the admin sweeps a token other than the payout token to a role holder.
    event TokenSwept(address indexed token, address indexed to, uint256 amount);

    /// @notice Emitted by `claimWithSig` beside `Claimed`: the authorization nonce consumed and the relayer's fee.
    event ClaimAuthorizationUsed(address indexed account, uint256 nonce, address indexed relayer, uint256 relayerFee);

    /// @notice Emitted when `from` funds the pool.
    /// @param netFunded Total funded minus total withdrawn, after this call.
    event Funded(address indexed from, uint256 amount, uint256 netFunded);

    /// @notice Emitted when the admin withdraws unencumbered excess to `to`.
    /// @param netFunded Total funded minus total withdrawn, after this call.
    event ExcessWithdrawn(address indexed to, uint256 amount, uint256 netFunded);

    /// @notice Emitted when an oracle signer is authorized.
    event SignerAdded(address indexed signer);

    /// @notice Emitted when an oracle signer is deauthorized.
    event SignerRemoved(address indexed signer);

    /// @notice Emitted when the signature threshold changes.
    event ThresholdChanged(uint256 previousThreshold, uint256 newThreshold);

    /// @notice Emitted when the dispute window changes (applies to roots proposed afterwards).
    event DisputeWindowChanged(uint256 previousWindowSeconds, uint256 newWindowSeconds);

    /// @notice Emitted when the circuit breaker changes: at most `maxOutflowPerWindow` µUSD paid out per rolling
    /// `windowSeconds`; `windowSeconds == 0` disables the breaker.
    event OutflowLimitChanged(uint256 maxOutflowPerWindow, uint256 windowSeconds);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice An address argument that must be set was zero.
    error ZeroAddress();

    /// @notice An amount that must be positive was zero.
    error ZeroAmount();

    /// @notice `threshold` must be at least 1 and at most `signerCount`.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);

    /// @notice `signer` is already an authorized oracle signer.
    error SignerAlreadyAuthorized(address signer);

    /// @notice `signer` is not an authorized oracle signer (signer management).
    error SignerNotAuthorized(address signer);

    /// @notice A signature recovered to `signer`, which is not an authorized oracle signer.
    error UnauthorizedSigner(address signer);

    /// @notice Two signatures recovered to the same `signer`.
    error DuplicateSigner(address signer);

    /// @notice Fewer signatures (`provided`) than the threshold.
    error InsufficientSignatures(uint256 provided, uint256 threshold);

    /// @notice The proposed epoch is not the next one (`expected`).
    error NonConsecutiveEpoch(uint64 expected, uint64 provided);

    /// @notice `pendingEpoch` is still pending: finalize or veto it first.
    error PendingRootExists(uint64 pendingEpoch);

    /// @notice The cumulative total may never decrease.
    error CumulativeTotalDecreased(uint256 previous, uint256 provided);

    /// @notice Funding (`available` = funded − withdrawn) does not cover `required`.
    error InsufficientFunding(uint256 required, uint256 available);

    /// @notice The epoch is not pending.
    error EpochNotPending(uint64 epoch, EpochStatus status);

    /// @notice The epoch's dispute window has not elapsed yet.
    error DisputeWindowActive(uint64 epoch, uint64 validAt);

    /// @notice The epoch's dispute window has elapsed: it can no longer be vetoed (unless the contract is paused).
    error DisputeWindowElapsed(uint64 epoch, uint64 validAt);

    /// @notice The dispute window is outside [`minWindowSeconds`, `maxWindowSeconds`].
    error InvalidDisputeWindow(uint256 windowSeconds, uint256 minWindowSeconds, uint256 maxWindowSeconds);

    /// @notice The proposal's signed attempt is not the one the contract expects for `epoch` (a vetoed root's
    /// signatures cannot be re-used: the signers must sign the next attempt).
    error AttemptMismatch(uint64 epoch, uint64 expected, uint64 provided);

    /// @notice The payout token's `decimals()` is not the contract's unit (µUSD: 6).
    error InvalidTokenDecimals(uint8 decimals, uint8 expected);

    /// @notice The payout token cannot be swept: its balance backs entitlements.
    error CannotSweepPayoutToken(address token);

    /// @notice Swept tokens go to a role holder (admin or guardian) only.
    error SweepRecipientNotRoleHolder(address to);

    /// @notice The claim authorization names another relayer.
    error UnauthorizedRelayer(address relayer, address caller);

    /// @notice The default admin may not hold the proposer role (and a proposer may not become admin).
    error AdminCannotPropose(address account);

    /// @notice No root has been finalized yet.
    error NoFinalizedRoot();

    /// @notice The latest finalized root is not the one the caller expected.
    error RootMismatch(bytes32 expected, bytes32 actual);

    /// @notice The proof does not show `(account, cumulativeAmount)` in the latest finalized root.
    error InvalidProof(address account, uint256 cumulativeAmount);

    /// @notice The account has already claimed `claimed` ≥ `cumulativeAmount`.
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 claimed);

    /// @notice Paying `amount` would exceed the circuit breaker; only `available` may be paid in this window.
    error OutflowLimitExceeded(uint256 amount, uint256 available);

    /// @notice `lowerOutflowLimit` may only lower an active breaker's limit (`current`; 0 window = breaker off).
    error OutflowLimitNotLowered(uint256 current, uint256 requested, uint256 windowSeconds);

    /// @notice Batch arrays differ in length.
    error ArrayLengthMismatch(uint256 accounts, uint256 amounts, uint256 proofs);

    /// @notice The claim authorization's deadline has passed.
    error ClaimAuthorizationExpired(uint256 deadline);

    /// @notice The claim authorization's nonce is not the account's next nonce (replayed or out of order).
    error InvalidNonce(address account, uint256 expected, uint256 provided);

    /// @notice The claim authorization is not signed by `account`.
    error InvalidClaimSignature(address account);

    /// @notice The relayer fee exceeds the authorized maximum.
    error RelayerFeeTooHigh(uint256 fee, uint256 maxFee);

    /// @notice The relayer fee exceeds the amount being claimed.
    error RelayerFeeExceedsAmount(uint256 fee, uint256 amount);

    /// @notice Only `available` is unencumbered by entitlements.
    error InsufficientExcess(uint256 requested, uint256 available);

    /*//////////////////////////////////////////////////////////////
                                FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Proposes the root of `epoch`, signed by at least `threshold` distinct authorized oracle signers for
    /// `attempt` (`proposalAttempt(epoch)`).
    function proposeRoot(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash,
        bytes[] calldata signatures
    ) external;

    /// @notice Vetoes the pending root of `epoch` (guardian only, before `validAt`, or any time while paused).
    function veto(uint64 epoch, string calldata reason) external;

    /// @notice Finalizes the pending root of `epoch` once its dispute window has elapsed (anyone).
    function finalize(uint64 epoch) external;

    /// @notice Pays `cumulativeAmount - claimed(account)` to `account` against the latest finalized root.
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice As `claim`, but reverts with `RootMismatch` unless the latest finalized root is `expectedRoot`.
    function claimWithRoot(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        bytes32 expectedRoot
    ) external returns (uint256 amount);

    /// @notice Claims for several accounts; accounts with nothing left to claim are skipped.
    function claimMany(
        address[] calldata accounts,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs
    ) external returns (uint256 total);

    /// @notice Claims for `authorization.account` with its EIP-712 signature; pays `relayerFee` to the caller
    /// and the rest to `authorization.recipient`.
    function claimWithSig(
        ClaimAuthorization calldata authorization,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        uint256 relayerFee,
        bytes calldata signature
    ) external returns (uint256 amount);

    /// @notice Revokes the caller's outstanding claim authorization (bumps its nonce).
    function invalidateNonce() external;

    /// @notice Records, with a proof against the finalized root, that `account`'s leaf is below what it claimed:
    /// the difference (`knownShortfall`) is kept out of `excess()` and out of what later proposals may commit.
    function reportShortfall(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external;

    /// @notice Sends `amount` of `token` (not the payout token) to `to`, an admin or guardian (admin only).
    function sweep(address token, address to, uint256 amount) external;

    /// @notice Pulls `amount` of the token from the caller into the pool.
    function fund(uint256 amount) external;

    /// @notice Sends `amount` of the unencumbered excess to `to` (admin only).
    function withdrawExcess(address to, uint256 amount) external;

    /// @notice Authorizes an oracle signer (admin only).
    function addSigner(address signer) external;

    /// @notice Deauthorizes an oracle signer (admin only).
    function removeSigner(address signer) external;

    /// @notice Sets how many distinct signers a root needs (admin only).
    function setThreshold(uint256 newThreshold) external;

    /// @notice Sets the dispute window for roots proposed afterwards (admin only).
    function setDisputeWindow(uint256 newWindowSeconds) external;

    /// @notice Sets the circuit breaker (admin only); `windowSeconds == 0` disables it.
    function setOutflowLimit(uint256 maxOutflowPerWindow, uint256 windowSeconds) external;

    /// @notice Lowers the breaker's outflow per window at once (guardian role): an emergency action that only
    /// reduces risk, so it is not delayed like `setOutflowLimit`. Reverts `OutflowLimitNotLowered` unless the
    /// breaker is on and `maxOutflowPerWindow` is below the current limit; the window is unchanged.
    function lowerOutflowLimit(uint256 maxOutflowPerWindow) external;

    /// @notice Pauses claims, proposals and finalization (pauser role).
    function pause() external;

    /// @notice Unpauses (admin only).
    function unpause() external;

    /// @notice The payout token.
    function TOKEN() external view returns (address);

    /// @notice An epoch's stored record.
    function epochRecord(uint64 epoch) external view returns (EpochRecord memory);

    /// @notice The latest proposed, not vetoed, epoch (pending or finalized); 0 before the first.
    function latestEpoch() external view returns (uint64);

    /// @notice The latest finalized epoch; 0 before the first.
    function finalizedEpoch() external view returns (uint64);

    /// @notice The latest finalized root (zero before the first).
    function finalizedRoot() external view returns (bytes32);

    /// @notice How much `account` has claimed in total.
    function claimed(address account) external view returns (uint256);

    /// @notice `account`'s next claim authorization nonce.
    function nonces(address account) external view returns (uint256);

    /// @notice Whether `signer` is an authorized oracle signer.
    function isSigner(address signer) external view returns (bool);

    /// @notice The number of authorized oracle signers.
    function signerCount() external view returns (uint256);

    /// @notice How many distinct signers a root needs.
    function threshold() external view returns (uint256);

    /// @notice The dispute window in seconds.
    function disputeWindow() external view returns (uint256);

    /// @notice Total funded minus total withdrawn, in µUSD.
    function netFunded() external view returns (uint256);

    /// @notice The cumulative total of the latest proposed, not vetoed, root (pending included).
    function committedTotal() external view returns (uint256);

    /// @notice What `withdrawExcess` may withdraw: `netFunded - committedTotal - knownShortfall` (0 if negative).
    function excess() external view returns (uint256);

    /// @notice The sum of reported shortfalls (claimed amounts above an account's current leaf).
    function knownShortfall() external view returns (uint256);

    /// @notice The attempt the next proposal of `epoch` must be signed for.
    function proposalAttempt(uint64 epoch) external view returns (uint64);

    /// @notice The circuit breaker's configuration and state.
    function outflowState()
        external
        view
        returns (uint256 maxOutflowPerWindow, uint256 windowSeconds, uint256 outflowInWindow, uint256 updatedAt);

    /// @notice How much may still be paid out now without tripping the circuit breaker.
    function availableOutflow() external view returns (uint256);

    /// @notice The EIP-712 digest oracle signers sign for an epoch root.
    function epochRootDigest(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest an account signs for `claimWithSig`.
    function claimAuthorizationDigest(ClaimAuthorization calldata authorization) external view returns (bytes32);
}
