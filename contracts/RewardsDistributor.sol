// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRewardsDistributor} from "./interfaces/IRewardsDistributor.sol";

/// @title RewardsDistributor
/// @notice Pays StreamrP2P supporters their cumulative, oracle-signed entitlements in a USD stablecoin.
/// Each epoch, the proposer posts one Merkle root of cumulative entitlements signed (EIP-712) by at least
/// `threshold` distinct oracle signers; a guardian may veto it during the dispute window; afterwards anyone
/// finalizes it and anyone may claim `cumulativeAmount - claimed[account]` for an account against the latest
/// finalized root. One claim collects any number of epochs.
/// @dev Immutable (no proxy). Solvency is enforced on proposal: funded minus withdrawn must cover the proposed
/// cumulative total, and only `netFunded - committedTotal` may be withdrawn, so no per-claim accounting is needed.
/// Storage is packed for the claim path: one "hot" slot holds the pause flag, the latest finalized epoch and the
/// whole circuit breaker; one slot per account holds its claimed amount and its authorization nonce.
///
/// WARNING: tokens sent to the contract other than through `fund` are not counted as funding and cannot be
/// withdrawn. The token must not charge fees on transfer or rebase (`fund` counts what it actually received).
///
/// IMPORTANT: the contract trusts a quorum of oracle signers for the tree's contents: it checks that the
/// proposed cumulative total is funded, not that the leaves sum to it. The circuit breaker bounds the damage a
/// corrupt quorum (plus a negligent guardian) could do.
///
/// WARNING: solvency assumes no account's cumulative amount ever decreases between roots. The contract sees
/// leaves only when they are proven, so it cannot refuse a root that lowers an account below what it already
/// claimed and gives the difference to others (the total unchanged): the oracle, every independent signer and
/// `ledger verify-epoch` refuse such a root off-chain. On-chain, anyone may prove such a leaf with
/// `reportShortfall`; reported shortfalls are kept out of `excess()`, so the admin cannot withdraw them, and out of
/// the funding a later proposal may commit (`cumulativeTotal + knownShortfall ≤ netFunded`), so a later root cannot
/// give them to other accounts either. What the contract cannot know (an over-claim nobody reported) it cannot
/// reserve: a root that reassigns claimed money when funding is exact leaves the last claimer short.
///
/// A signed root is good for one proposal: `EpochRoot` commits to an attempt, and a veto moves the epoch to the
/// next attempt, so a vetoed root's signatures can never be proposed again.
contract RewardsDistributor is
    IRewardsDistributor,
    AccessControlDefaultAdminRules,
    EIP712,
    Pausable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice May propose oracle-signed roots (the oracle's submitter).
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice May veto pending roots.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May pause (unpausing is the admin's).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The EIP-712 type hash of `EpochRoot`.
    // Evaluated at compile time.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant EPOCH_ROOT_TYPEHASH = keccak256(
        "EpochRoot(uint64 epoch,uint64 attempt,bytes32 root,uint256 cumulativeTotal,bytes32 receiptsRoot,bytes32 datasetHash,bytes32 rateCardHash)"
    );
    /// @notice The EIP-712 type hash of `ClaimAuthorization`.
    // Evaluated at compile time.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant CLAIM_AUTHORIZATION_TYPEHASH = keccak256(
        "ClaimAuthorization(address account,address recipient,address relayer,uint256 maxRelayerFee,uint256 nonce,uint256 deadline)"
    );

    /// @notice The longest dispute window the admin may set.
    uint256 public constant MAX_DISPUTE_WINDOW = 30 days;
    /// @notice The floor of `MIN_DISPUTE_WINDOW`: production deployments start at or above it.
    uint256 public constant DISPUTE_WINDOW_FLOOR = 1 hours;
    /// @notice The payout token's decimals: amounts are µUSD.
    uint8 public constant TOKEN_DECIMALS = 6;

    /// @dev Bit offsets of the {Hot} fields in its slot (Solidity packs struct fields from the low bits).
    uint256 private constant _FINALIZED_EPOCH_SHIFT = 8;
    uint256 private constant _MAX_OUTFLOW_SHIFT = 72;
    uint256 private constant _IN_WINDOW_SHIFT = 136;
    uint256 private constant _UPDATED_AT_SHIFT = 200;
    uint256 private constant _WINDOW_SHIFT = 232;
    /// @dev Bit offsets of the {Config} fields in its slot.
    uint256 private constant _COMMITTED_TOTAL_SHIFT = 64;
    uint256 private constant _NET_FUNDED_SHIFT = 128;
    uint256 private constant _DISPUTE_WINDOW_SHIFT = 192;
    uint256 private constant _THRESHOLD_SHIFT = 224;
    uint256 private constant _SHORTFALL_KNOWN_SHIFT = 240;
    /// @dev Clears `outflowInWindow` and `outflowUpdatedAt` (bits 136..231): ~(((1 << 96) - 1) << 136).
    uint256 private constant _ACCUMULATOR_CLEAR_MASK =
        0xffffff000000000000000000000000ffffffffffffffffffffffffffffffffff;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev The one slot every claim reads (and, with the breaker on, writes): 8+64+64+64+32+24 = 256 bits.
    /// @param paused Whether claims, proposals and finalization are paused (replaces Pausable's own flag).
    /// @param finalizedEpoch The latest finalized epoch; its root is the claimable one.
    /// @param maxOutflowPerWindow The circuit breaker's limit per rolling window, in µUSD.
    /// @param outflowInWindow The breaker's accumulator: paid out, decayed linearly over the window.
    /// @param outflowUpdatedAt When the accumulator was last updated (uint32 seconds: until 2106).
    /// @param outflowWindowSeconds The rolling window; 0 disables the breaker.
    struct Hot {
        bool paused;
        uint64 finalizedEpoch;
        uint64 maxOutflowPerWindow;
        uint64 outflowInWindow;
        uint32 outflowUpdatedAt;
        uint24 outflowWindowSeconds;
    }

    /// @dev What `proposeRoot`, `fund` and `withdrawExcess` read and write, in one slot: 64·3+32+8+8+8 = 248 bits.
    /// Money is uint64 µUSD here (up to $18.4 trillion, above any stablecoin's supply; casts are checked).
    /// @param latestEpoch The latest proposed, not vetoed, epoch (pending or finalized).
    /// @param committedTotal The cumulative total of `latestEpoch` (pending included).
    /// @param netFunded Total received through `fund` minus total withdrawn through `withdrawExcess`.
    /// @param disputeWindow Seconds between proposal and `validAt`.
    /// @param threshold Distinct signatures a root needs.
    /// @param signerCount Authorized oracle signers (at most 255).
    /// @param shortfallKnown Whether `knownShortfall` is non-zero: a proposal reads it only then (one cold slot
    /// saved on every normal proposal).
    struct Config {
        uint64 latestEpoch;
        uint64 committedTotal;
        uint64 netFunded;
        uint32 disputeWindow;
        uint8 threshold;
        uint8 signerCount;
        bool shortfallKnown;
    }

    /// @dev Per account, one slot: what a claim writes and what `claimWithSig` also bumps.
    /// @param claimed Total claimed so far, in µUSD.
    /// @param nonce The next claim authorization nonce.
    struct Account {
        uint128 claimed;
        uint64 nonce;
    }

    /// @notice The shortest dispute window the admin may set: the initial window or `DISPUTE_WINDOW_FLOOR`,
    /// whichever is shorter, fixed at deployment. The admin can never shorten the guardian's window below it
    /// (0 would make `veto` impossible); only a deployment that starts below the floor (tests, dev chains) has
    /// a lower minimum.
    uint256 public immutable MIN_DISPUTE_WINDOW;

    /// @notice The payout token (a 6-decimal USD stablecoin), fixed at deployment.
    IERC20 private immutable _TOKEN;

    /// @dev See {Hot}.
    Hot private _hot;

    /// @dev See {Config}.
    Config private _config;

    /// @dev Every epoch's record (root; cumulative total, validAt, status).
    mapping(uint64 epoch => EpochRecord record) private _epochs;

    /// @dev Claimed amount and authorization nonce per account.
    mapping(address account => Account state) private _accounts;

    /// @dev The oracle signer set.
    mapping(address signer => bool authorized) private _isSigner;

    /// @dev Per account, the reported amount claimed above its leaf in the finalized root (see `reportShortfall`).
    mapping(address account => uint256 shortfall) private _shortfalls;

    /// @dev The sum of `_shortfalls`: claimed amounts the current roots' totals do not cover.
    uint256 private _knownShortfall;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token The payout stablecoin.
    /// @param admin The default admin (signer set, threshold, windows, breaker, excess, unpause, roles).
    /// @param adminTransferDelay The delay of a two-step default admin transfer, in seconds.
    /// @param signers The initial oracle signers.
    /// @param threshold_ How many distinct signers a root needs (1 ≤ threshold ≤ signers).
    /// @param disputeWindowSeconds Seconds between a proposal and its finalization (in [`MIN_DISPUTE_WINDOW`,
    /// `MAX_DISPUTE_WINDOW`]).
    /// @param maxOutflowPerWindow The circuit breaker's limit per window, in µUSD.
    /// @param outflowWindowSeconds The circuit breaker's rolling window; 0 disables it.
    constructor(
        IERC20 token,
        address admin,
        uint48 adminTransferDelay,
        address[] memory signers,
        uint256 threshold_,
        uint256 disputeWindowSeconds,
        uint256 maxOutflowPerWindow,
        uint256 outflowWindowSeconds
    ) AccessControlDefaultAdminRules(adminTransferDelay, admin) EIP712("StreamrP2P RewardsDistributor", "1") {
        if (address(token) == address(0)) revert ZeroAddress();
        uint8 decimals = IERC20Metadata(address(token)).decimals();
        if (decimals != TOKEN_DECIMALS) revert InvalidTokenDecimals(decimals, TOKEN_DECIMALS);
        _TOKEN = token;
        for (uint256 i; i < signers.length; ++i) {
            _addSigner(signers[i]);
        }
        _setThreshold(threshold_);
        MIN_DISPUTE_WINDOW = disputeWindowSeconds < DISPUTE_WINDOW_FLOOR ? disputeWindowSeconds : DISPUTE_WINDOW_FLOOR;
        _setDisputeWindow(disputeWindowSeconds);
        _setOutflowLimit(maxOutflowPerWindow, outflowWindowSeconds);
    }

    /*//////////////////////////////////////////////////////////////
                                 ROOTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRewardsDistributor
    /// @dev Requires, in order: the proposer role; not paused; `epoch == latestEpoch + 1`; no pending root;
    /// `cumulativeTotal ≥ committedTotal`; `cumulativeTotal + knownShortfall ≤ netFunded`;
    /// `attempt == proposalAttempt(epoch)`;
    /// at least `threshold` signatures, each from a distinct authorized signer over `epochRootDigest(...)`.
    /// High-s signatures are rejected.
    function proposeRoot(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash,
        bytes[] calldata signatures
    ) external onlyRole(PROPOSER_ROLE) {
        uint256 config = _checkProposal(epoch, attempt, cumulativeTotal);
        address[] memory signers = _recoverSigners(
            _hashEpochRoot(epoch, attempt, root, cumulativeTotal, receiptsRoot, datasetHash, rateCardHash),
            signatures,
            uint8(config >> _THRESHOLD_SHIFT)
        );
        uint64 validAt = _recordProposal(epoch, attempt, root, cumulativeTotal, config);
        emit RootProposed(
            epoch,
            attempt,
            root,
            cumulativeTotal,
            receiptsRoot,
            datasetHash,
            rateCardHash,
            validAt,
            signers
        );
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Works while paused, and while paused also after `validAt`: pausing extends the dispute window.
    function veto(uint64 epoch, string calldata reason) external onlyRole(GUARDIAN_ROLE) {
        EpochRecord storage record = _epochs[epoch];
        EpochStatus status = record.status;
        if (status != EpochStatus.Pending) revert EpochNotPending(epoch, status);
        uint64 validAt = record.validAt;
        // The window closes at `validAt` exactly.
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp >= validAt && !_hot.paused) revert DisputeWindowElapsed(epoch, validAt);
        _rollBack(epoch, record);
        emit RootVetoed(epoch, msg.sender, reason);
    }

    /// @inheritdoc IRewardsDistributor
    function finalize(uint64 epoch) external {
        Hot storage hot = _hot;
        if (hot.paused) revert EnforcedPause();
        EpochRecord storage record = _epochs[epoch];
        EpochStatus status = record.status;
        if (status != EpochStatus.Pending) revert EpochNotPending(epoch, status);
        uint64 validAt = record.validAt;
        if (block.timestamp < validAt) revert DisputeWindowActive(epoch, validAt);
        record.status = EpochStatus.Finalized;
        hot.finalizedEpoch = epoch;
        emit RootFinalized(epoch, record.cumulativeTotal);
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIMS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRewardsDistributor
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        (uint256 hot, uint64 epoch, bytes32 root) = _claimable();
        uint256 claimedAfter;
        (amount, claimedAfter) = _settle(account, cumulativeAmount, proof, root, hot);
        _emitClaimed(account, account, amount, claimedAfter, epoch);
        _TOKEN.safeTransfer(account, amount);
    }

    /// @inheritdoc IRewardsDistributor
    function claimWithRoot(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        bytes32 expectedRoot
    ) external nonReentrant returns (uint256 amount) {
        (uint256 hot, uint64 epoch, bytes32 root) = _claimable();
        if (root != expectedRoot) revert RootMismatch(expectedRoot, root);
        uint256 claimedAfter;
        (amount, claimedAfter) = _settle(account, cumulativeAmount, proof, root, hot);
        _emitClaimed(account, account, amount, claimedAfter, epoch);
        _TOKEN.safeTransfer(account, amount);
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Every proof must be valid; accounts with nothing left to claim are skipped (so a batch cannot be
    /// griefed by claiming one of its accounts first). The circuit breaker's headroom is shared in order: an
    /// account it cannot pay in full gets what is left (`ClaimLimited`), the rest stays claimable. An empty batch,
    /// or one that pays nothing, returns without writing.
    function claimMany(
        address[] calldata accounts,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs
    ) external nonReentrant returns (uint256 total) {
        uint256 n = accounts.length;
        if (cumulativeAmounts.length != n || proofs.length != n) {
            revert ArrayLengthMismatch(n, cumulativeAmounts.length, proofs.length);
        }
        if (n == 0) return 0;
        (uint256 hot, uint64 epoch, bytes32 root) = _claimable();
        (uint256 decayed, uint256 headroom) = _outflowHeadroom(hot);
        uint256[] memory amounts;
        (amounts, total) = _claimBatch(accounts, cumulativeAmounts, proofs, root, headroom, epoch);
        if (total == 0) return 0;
        if (hot >> _WINDOW_SHIFT != 0) _writeOutflow(hot, decayed + total);
        for (uint256 i; i < n; ++i) {
            if (amounts[i] != 0) _TOKEN.safeTransfer(accounts[i], amounts[i]);
        }
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev The signature may come from an EOA (ECDSA, low-s only) or an ERC-1271 contract account. The
    /// authorization does not fix the amount: it lets the relayer claim whatever is due when it is used.
    function claimWithSig(
        ClaimAuthorization calldata authorization,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        uint256 relayerFee,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        address account = authorization.account;
        uint256 nonce = _useAuthorization(authorization, relayerFee, signature);
        (uint256 hot, uint64 epoch, bytes32 root) = _claimable();
        uint256 claimedAfter;
        (amount, claimedAfter) = _settle(account, cumulativeAmount, proof, root, hot);
        if (relayerFee > amount) revert RelayerFeeExceedsAmount(relayerFee, amount);
        address recipient = authorization.recipient;
        _emitClaimed(account, recipient, amount, claimedAfter, epoch);
        emit ClaimAuthorizationUsed(account, nonce, msg.sender, relayerFee);
        unchecked {
            _TOKEN.safeTransfer(recipient, amount - relayerFee);
        }
        if (relayerFee != 0) _TOKEN.safeTransfer(msg.sender, relayerFee);
    }

    /// @inheritdoc IRewardsDistributor
    function invalidateNonce() external {
        Account storage state = _accounts[msg.sender];
        uint64 nonce = state.nonce;
        unchecked {
            state.nonce = nonce + 1; // a 64-bit nonce never wraps
        }
        emit NonceInvalidated(msg.sender, nonce);
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Anyone may report, against the latest root (`committedTotal`'s, pending included) or, while a root is
    /// pending, the finalized one; a report with the leaf at or above the claimed amount clears the account's
    /// entry, but only when no root is pending: a pending root may still be vetoed, so against it (or beside it) a
    /// report only raises the entry. Reverts `NoFinalizedRoot` before any proposal.
    function reportShortfall(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        uint64 latest = _config.latestEpoch;
        if (latest == 0) revert NoFinalizedRoot();
        uint64 finalized = _hot.finalizedEpoch;
        bool pending = latest != finalized;
        bytes32 root = _epochs[latest].root;
        if (pending && finalized != 0 && !_isLeaf(account, cumulativeAmount, proof, root)) {
            root = _epochs[finalized].root;
        }
        if (!_isLeaf(account, cumulativeAmount, proof, root)) revert InvalidProof(account, cumulativeAmount);
        uint256 claimed_ = _accounts[account].claimed;
        uint256 shortfall = claimed_ > cumulativeAmount ? claimed_ - cumulativeAmount : 0;
        uint256 previous = _shortfalls[account];
        if (pending && shortfall < previous) shortfall = previous;
        uint256 known = _knownShortfall - previous + shortfall;
        _shortfalls[account] = shortfall;
        _knownShortfall = known;
        _config.shortfallKnown = known != 0;
        emit ShortfallReported(account, cumulativeAmount, claimed_, shortfall, known);
    }

    /*//////////////////////////////////////////////////////////////
                                FUNDING
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRewardsDistributor
    /// @dev Counts the balance increase, not `amount`, so a fee-charging token cannot inflate `netFunded`.
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = _TOKEN.balanceOf(address(this));
        _TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _TOKEN.balanceOf(address(this)) - balanceBefore;
        uint256 netFunded_ = _config.netFunded + received;
        _config.netFunded = netFunded_.toUint64();
        emit Funded(msg.sender, received, netFunded_);
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Reverts with `CannotSweepPayoutToken` for the payout token (its balance backs entitlements; see
    /// `withdrawExcess`), with `SweepRecipientNotRoleHolder` unless `to` is an admin or a guardian.
    function sweep(address token, address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (token == address(_TOKEN)) revert CannotSweepPayoutToken(token);
        if (!hasRole(DEFAULT_ADMIN_ROLE, to) && !hasRole(GUARDIAN_ROLE, to)) revert SweepRecipientNotRoleHolder(to);
        if (amount == 0) revert ZeroAmount();
        emit TokenSwept(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev The excess is `netFunded - committedTotal - knownShortfall`: a pending root's total stays encumbered
    /// until vetoed.
    function withdrawExcess(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 available = excess();
        if (amount > available) revert InsufficientExcess(amount, available);
        uint256 netFunded_ = _config.netFunded - amount; // amount ≤ excess ≤ netFunded
        _config.netFunded = uint64(netFunded_);
        emit ExcessWithdrawn(to, amount, netFunded_);
        _TOKEN.safeTransfer(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRewardsDistributor
    function addSigner(address signer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addSigner(signer);
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Reverts with `InvalidThreshold` if fewer signers than the threshold would remain. A pending root is
    /// vetoed (`RootVetoed` by the caller, reason "signer removed"): its signatures may include the removed
    /// signer's, so it must be signed again under the new set.
    function removeSigner(address signer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_isSigner[signer]) revert SignerNotAuthorized(signer);
        Config storage config = _config;
        uint256 remaining = config.signerCount - 1;
        if (remaining < config.threshold) revert InvalidThreshold(config.threshold, remaining);
        _isSigner[signer] = false;
        config.signerCount = uint8(remaining);
        emit SignerRemoved(signer);
        _vetoPending("signer removed");
    }

    /// @inheritdoc IRewardsDistributor
    /// @dev Raising the threshold vetoes a pending root (reason "threshold raised"): it may have fewer signatures.
    function setThreshold(uint256 newThreshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        bool raised = newThreshold > _config.threshold;
        _setThreshold(newThreshold);
        if (raised) _vetoPending("threshold raised");
    }

    /// @inheritdoc IRewardsDistributor
    function setDisputeWindow(uint256 newWindowSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDisputeWindow(newWindowSeconds);
    }

    /// @inheritdoc IRewardsDistributor
    function setOutflowLimit(uint256 maxOutflowPerWindow, uint256 windowSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setOutflowLimit(maxOutflowPerWindow, windowSeconds);
    }

    /// @inheritdoc IRewardsDistributor
    function lowerOutflowLimit(uint256 maxOutflowPerWindow) external onlyRole(GUARDIAN_ROLE) {
        Hot memory hot = _hot;
        // an emergency path, off the claim path: the plain comparison reads as the rule it enforces
        // solhint-disable-next-line gas-strict-inequalities
        if (hot.outflowWindowSeconds == 0 || maxOutflowPerWindow >= hot.maxOutflowPerWindow) {
            revert OutflowLimitNotLowered(hot.maxOutflowPerWindow, maxOutflowPerWindow, hot.outflowWindowSeconds);
        }
        _setOutflowLimit(maxOutflowPerWindow, hot.outflowWindowSeconds);
    }

    /// @inheritdoc IRewardsDistributor
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IRewardsDistributor
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRewardsDistributor
    // solhint-disable-next-line func-name-mixedcase
    function TOKEN() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IRewardsDistributor
    function epochRecord(uint64 epoch) external view returns (EpochRecord memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc IRewardsDistributor
    function latestEpoch() external view returns (uint64) {
        return _config.latestEpoch;
    }

    /// @inheritdoc IRewardsDistributor
    function finalizedEpoch() external view returns (uint64) {
        return _hot.finalizedEpoch;
    }

    /// @inheritdoc IRewardsDistributor
    function finalizedRoot() external view returns (bytes32) {
        return _epochs[_hot.finalizedEpoch].root;
    }

    /// @inheritdoc IRewardsDistributor
    function claimed(address account) external view returns (uint256) {
        return _accounts[account].claimed;
    }

    /// @inheritdoc IRewardsDistributor
    function nonces(address account) external view returns (uint256) {
        return _accounts[account].nonce;
    }

    /// @inheritdoc IRewardsDistributor
    function isSigner(address signer) external view returns (bool) {
        return _isSigner[signer];
    }

    /// @inheritdoc IRewardsDistributor
    function signerCount() external view returns (uint256) {
        return _config.signerCount;
    }

    /// @inheritdoc IRewardsDistributor
    function threshold() external view returns (uint256) {
        return _config.threshold;
    }

    /// @inheritdoc IRewardsDistributor
    function disputeWindow() external view returns (uint256) {
        return _config.disputeWindow;
    }

    /// @inheritdoc IRewardsDistributor
    function netFunded() external view returns (uint256) {
        return _config.netFunded;
    }

    /// @inheritdoc IRewardsDistributor
    function committedTotal() external view returns (uint256) {
        return _config.committedTotal;
    }

    /// @inheritdoc IRewardsDistributor
    function excess() public view returns (uint256) {
        // netFunded ≥ committedTotal always: proposals require it and withdrawals keep it.
        Config memory config = _config;
        uint256 free = config.netFunded - config.committedTotal;
        uint256 shortfall = _knownShortfall;
        return free > shortfall ? free - shortfall : 0;
    }

    /// @inheritdoc IRewardsDistributor
    function knownShortfall() external view returns (uint256) {
        return _knownShortfall;
    }

    /// @inheritdoc IRewardsDistributor
    function proposalAttempt(uint64 epoch) external view returns (uint64) {
        EpochRecord storage record = _epochs[epoch];
        return
            record.status == EpochStatus.Vetoed
                ? uint64(record.attempt) + 1
                : record.attempt == 0
                    ? 1
                    : record.attempt;
    }

    /// @inheritdoc IRewardsDistributor
    function outflowState()
        external
        view
        returns (uint256 maxOutflowPerWindow, uint256 windowSeconds, uint256 outflowInWindow, uint256 updatedAt)
    {
        Hot memory hot = _hot;
        return (hot.maxOutflowPerWindow, hot.outflowWindowSeconds, hot.outflowInWindow, hot.outflowUpdatedAt);
    }

    /// @inheritdoc IRewardsDistributor
    function availableOutflow() external view returns (uint256 available) {
        (, available) = _outflowHeadroom(_hotWord());
    }

    /// @inheritdoc IRewardsDistributor
    function epochRootDigest(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash
    ) external view returns (bytes32) {
        return _hashEpochRoot(epoch, attempt, root, cumulativeTotal, receiptsRoot, datasetHash, rateCardHash);
    }

    /// @inheritdoc IRewardsDistributor
    function claimAuthorizationDigest(ClaimAuthorization calldata authorization) external view returns (bytes32) {
        return _hashClaimAuthorization(authorization);
    }

    /// @notice The EIP-712 domain separator of this deployment.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Whether the contract is paused.
    /// @dev The flag lives in the hot slot (read by every claim anyway), not in Pausable's own slot.
    function paused() public view override returns (bool) {
        return _hot.paused;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev The default admin may not hold the proposer role: with both, one key could propose roots and
    /// change every parameter that checks them.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == PROPOSER_ROLE && hasRole(DEFAULT_ADMIN_ROLE, account)) revert AdminCannotPropose(account);
        if (role == DEFAULT_ADMIN_ROLE && hasRole(PROPOSER_ROLE, account)) revert AdminCannotPropose(account);
        return super._grantRole(role, account);
    }

    /// @dev Pausable's `_pause`, on the hot slot's flag.
    function _pause() internal override whenNotPaused {
        _hot.paused = true;
        emit Paused(_msgSender());
    }

    /// @dev Pausable's `_unpause`, on the hot slot's flag.
    function _unpause() internal override whenPaused {
        _hot.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @dev The hot slot as one word (see {Hot} for the layout, low bits first): the claim path reads it once,
    /// decodes only what it needs and writes the breaker's two fields back with one SSTORE.
    function _hotWord() private view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(_hot.slot)
        }
    }

    /// @dev The hot slot, its finalized epoch and that epoch's root, after the pause check.
    function _claimable() private view returns (uint256 hot, uint64 epoch, bytes32 root) {
        hot = _hotWord();
        if (hot & 0xff != 0) revert EnforcedPause();
        epoch = uint64(hot >> _FINALIZED_EPOCH_SHIFT);
        if (epoch == 0) revert NoFinalizedRoot();
        root = _epochs[epoch].root;
    }

    /// @dev `claimWithSig`'s checks of the authorization (relayer, deadline, fee, recipient, nonce, signature);
    /// consumes its nonce and returns it.
    function _useAuthorization(
        ClaimAuthorization calldata authorization,
        uint256 relayerFee,
        bytes calldata signature
    ) private returns (uint256 nonce) {
        address account = authorization.account;
        address relayer = authorization.relayer;
        if (relayer != address(0) && relayer != msg.sender) revert UnauthorizedRelayer(relayer, msg.sender);
        if (block.timestamp > authorization.deadline) revert ClaimAuthorizationExpired(authorization.deadline);
        if (relayerFee > authorization.maxRelayerFee) revert RelayerFeeTooHigh(relayerFee, authorization.maxRelayerFee);
        if (authorization.recipient == address(0)) revert ZeroAddress();
        nonce = _accounts[account].nonce;
        if (authorization.nonce != nonce) revert InvalidNonce(account, nonce, authorization.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(account, _hashClaimAuthorization(authorization), signature)) {
            revert InvalidClaimSignature(account);
        }
        unchecked {
            _accounts[account].nonce = uint64(nonce + 1); // a 64-bit nonce never wraps
        }
    }

    /// @dev Whether `(account, cumulativeAmount)` is a leaf of `root`: OpenZeppelin's `StandardMerkleTree` leaf
    /// (`keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))))`) and sorted-pair hashing
    /// (`MerkleProof.verifyCalldata`), as one loop over the calldata proof in scratch space.
    function _isLeaf(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        bytes32 root
    ) private pure returns (bool valid) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x40))
            let node := keccak256(0x00, 0x20)
            let end := add(proof.offset, shl(5, proof.length))
            for {
                let p := proof.offset
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let sibling := calldataload(p)
                // The smaller word first: node at 0x20 when it is the larger one.
                let at := shl(5, gt(node, sibling))
                mstore(at, node)
                mstore(xor(at, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
            valid := eq(node, root)
        }
    }

    /// @dev Verifies the leaf, charges the circuit breaker with what is due (or with all it still lets out: the
    /// rest stays claimable, `ClaimLimited`), and adds what is paid to the account's claimed amount. `hot` is the
    /// hot slot as read by `_claimable` (this transaction has not written it: `nonReentrant`).
    function _settle(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        bytes32 root,
        uint256 hot
    ) private returns (uint256 amount, uint256 claimedAfter) {
        if (!_isLeaf(account, cumulativeAmount, proof, root)) revert InvalidProof(account, cumulativeAmount);
        Account storage state = _accounts[account];
        uint256 word;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(state.slot)
        }
        uint256 already = uint128(word);
        // Equal means nothing left to claim.
        // solhint-disable-next-line gas-strict-inequalities
        if (cumulativeAmount <= already) revert NothingToClaim(account, cumulativeAmount, already);
        unchecked {
            uint256 due = cumulativeAmount - already;
            amount = due;
            if (hot >> _WINDOW_SHIFT != 0) {
                (uint256 decayed, uint256 headroom) = _outflowHeadroom(hot);
                if (headroom == 0) revert OutflowLimitExceeded(due, 0);
                if (due > headroom) {
                    amount = headroom;
                    emit ClaimLimited(account, due, amount);
                }
                _writeOutflow(hot, decayed + amount);
            }
            claimedAfter = already + amount;
        }
        if (claimedAfter > type(uint128).max) revert SafeCast.SafeCastOverflowedUintDowncast(128, claimedAfter);
        // The claimed amount is the slot's low 128 bits; the nonce above it is kept.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(state.slot, or(and(word, not(0xffffffffffffffffffffffffffffffff)), claimedAfter))
        }
    }

    /// @dev `claimMany`'s accounts in order, sharing `headroom`: what each is paid, and the sum.
    function _claimBatch(
        address[] calldata accounts,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs,
        bytes32 root,
        uint256 headroom,
        uint64 epoch
    ) private returns (uint256[] memory amounts, uint256 total) {
        uint256 n = accounts.length;
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 paid;
            unchecked {
                // total ≤ headroom
                paid = _claimInBatch(accounts[i], cumulativeAmounts[i], proofs[i], root, headroom - total, epoch);
                total += paid;
            }
            amounts[i] = paid;
        }
    }

    /// @dev One account of `claimMany`: verifies its leaf, pays at most `left` of what is due and records it.
    /// Returns 0 for an account with nothing left to claim.
    function _claimInBatch(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        bytes32 root,
        uint256 left,
        uint64 epoch
    ) private returns (uint256 paid) {
        if (!_isLeaf(account, cumulativeAmount, proof, root)) revert InvalidProof(account, cumulativeAmount);
        Account storage state = _accounts[account];
        uint256 already = state.claimed;
        // Equal means nothing left to claim.
        // solhint-disable-next-line gas-strict-inequalities
        if (cumulativeAmount <= already) return 0;
        unchecked {
            uint256 due = cumulativeAmount - already;
            paid = due < left ? due : left;
            if (paid != due) emit ClaimLimited(account, due, paid);
            if (paid == 0) return 0;
            state.claimed = (already + paid).toUint128();
            _emitClaimed(account, account, paid, already + paid, epoch);
        }
    }

    /// @dev The breaker's decayed accumulator and what it still lets out now (everything when it is off). The
    /// accumulator decays linearly over the window (Helium's rolling window), rounded up so the decay never lets
    /// more out than the limit; a full window has elapsed at exactly `outflowWindowSeconds`.
    function _outflowHeadroom(uint256 hot) private view returns (uint256 decayed, uint256 headroom) {
        if (hot >> _WINDOW_SHIFT == 0) return (0, type(uint256).max);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let window := shr(_WINDOW_SHIFT, hot)
            // `outflowUpdatedAt` is a past block's timestamp: no underflow.
            let elapsed := sub(timestamp(), and(shr(_UPDATED_AT_SHIFT, hot), 0xffffffff))
            if lt(elapsed, window) {
                // ≤ 2^64 · 2^24: no overflow.
                let inWindow := and(shr(_IN_WINDOW_SHIFT, hot), 0xffffffffffffffff)
                decayed := div(add(mul(inWindow, sub(window, elapsed)), sub(window, 1)), window)
            }
            let limit := and(shr(_MAX_OUTFLOW_SHIFT, hot), 0xffffffffffffffff)
            if gt(limit, decayed) {
                headroom := sub(limit, decayed)
            }
        }
    }

    /// @dev Sets the breaker's accumulator to `inWindow` (≤ the limit < 2^64) as of now, in the hot slot `hot`
    /// was read from, with one SSTORE. Only with the breaker on.
    function _writeOutflow(uint256 hot, uint256 inWindow) private {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // block.timestamp fits 32 bits until 2106.
            let stamp := shl(_UPDATED_AT_SHIFT, and(timestamp(), 0xffffffff))
            sstore(_hot.slot, or(or(and(hot, _ACCUMULATOR_CLEAR_MASK), shl(_IN_WINDOW_SHIFT, inWindow)), stamp))
        }
    }

    /// @dev `emit Claimed(account, recipient, amount, cumulativeClaimed, epoch)`, encoded in assembly (the same log).
    function _emitClaimed(
        address account,
        address recipient,
        uint256 amount,
        uint256 cumulativeClaimed,
        uint64 epoch
    ) private {
        bytes32 topic = Claimed.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            // Narrow types may carry dirty high bits in assembly: clean them as the ABI encoder would.
            mstore(m, and(recipient, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x20), amount)
            mstore(add(m, 0x40), cumulativeClaimed)
            mstore(add(m, 0x60), and(epoch, 0xffffffffffffffff))
            log2(m, 0x80, topic, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
        }
    }

    /// @dev Marks the pending `epoch` vetoed and rolls `latestEpoch` and `committedTotal` back to the finalized
    /// epoch before it; its record keeps its attempt, so the next proposal needs the next attempt's signatures.
    function _rollBack(uint64 epoch, EpochRecord storage record) private {
        record.status = EpochStatus.Vetoed;
        // A pending epoch is always `latestEpoch`: roll back to the finalized one before it.
        unchecked {
            uint64 previous = epoch - 1;
            _config.latestEpoch = previous;
            _config.committedTotal = uint64(_epochs[previous].cumulativeTotal); // stored from a uint64
        }
    }

    /// @dev Vetoes the pending root, if any, because the signer set or threshold changed under it.
    function _vetoPending(string memory reason) private {
        uint64 latest = _config.latestEpoch;
        if (latest == _hot.finalizedEpoch) return;
        _rollBack(latest, _epochs[latest]);
        emit RootVetoed(latest, msg.sender, reason);
    }

    /// @dev `proposeRoot`'s checks that need no signature: pause, consecutive epoch, no pending root,
    /// non-decreasing total, solvency, the attempt. Returns the config slot as one word (see {Config}).
    function _checkProposal(
        uint64 epoch,
        uint64 attempt,
        uint256 cumulativeTotal
    ) private view returns (uint256 config) {
        uint256 hot = _hotWord();
        if (hot & 0xff != 0) revert EnforcedPause();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            config := sload(_config.slot)
        }
        uint64 latest = uint64(config);
        unchecked {
            // latestEpoch + 1 cannot overflow: epochs are consecutive from 1.
            if (epoch != latest + 1) revert NonConsecutiveEpoch(latest + 1, epoch);
        }
        if (uint64(hot >> _FINALIZED_EPOCH_SHIFT) != latest) revert PendingRootExists(latest);
        uint256 committed = uint64(config >> _COMMITTED_TOTAL_SHIFT);
        if (cumulativeTotal < committed) revert CumulativeTotalDecreased(committed, cumulativeTotal);
        uint256 available = uint64(config >> _NET_FUNDED_SHIFT);
        if (uint8(config >> _SHORTFALL_KNOWN_SHIFT) != 0) {
            // Reported over-claims are money already paid beyond the roots' totals: not fundable again.
            uint256 known = _knownShortfall;
            available = available > known ? available - known : 0;
        }
        if (cumulativeTotal > available) revert InsufficientFunding(cumulativeTotal, available);
        // The epoch is `latestEpoch + 1`: never proposed (attempt 0 stored, status None) or vetoed.
        EpochRecord storage record = _epochs[epoch];
        uint64 expected = uint64(record.attempt) + 1;
        if (record.status != EpochStatus.Vetoed) expected = 1;
        if (attempt != expected) revert AttemptMismatch(epoch, expected, attempt);
    }

    /// @dev Stores the pending epoch record and advances `latestEpoch` and `committedTotal`, one SSTORE per slot.
    function _recordProposal(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 config
    ) private returns (uint64 validAt) {
        unchecked {
            // block.timestamp + a uint32 window fits 64 bits for the next 584 billion years.
            validAt = uint64(block.timestamp) + uint32(config >> _DISPUTE_WINDOW_SHIFT);
        }
        // cumulativeTotal ≤ netFunded < 2^64 (checked by _checkProposal); the attempt is the stored one + 1, far
        // below 2^32 (one veto per attempt).
        uint256 packed =
            cumulativeTotal |
                (uint256(validAt) << 128) |
                (uint256(uint8(EpochStatus.Pending)) << 192) |
                (uint256(uint32(attempt)) << 200);
        uint256 updated = (config & ~uint256(type(uint128).max)) | epoch | (cumulativeTotal << _COMMITTED_TOTAL_SHIFT);
        EpochRecord storage record = _epochs[epoch];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(record.slot, root)
            sstore(add(record.slot, 1), packed)
            sstore(_config.slot, updated)
        }
    }

    /// @dev Recovers each signature's signer and checks it is authorized and distinct from the earlier ones.
    function _recoverSigners(
        bytes32 digest,
        bytes[] calldata signatures,
        uint256 threshold_
    ) private view returns (address[] memory signers) {
        uint256 n = signatures.length;
        if (n < threshold_) revert InsufficientSignatures(n, threshold_);
        signers = new address[](n);
        for (uint256 i; i < n; ++i) {
            address signer = ECDSA.recoverCalldata(digest, signatures[i]);
            if (!_isSigner[signer]) revert UnauthorizedSigner(signer);
            for (uint256 j; j < i; ++j) {
                if (signers[j] == signer) revert DuplicateSigner(signer);
            }
            signers[i] = signer;
        }
    }

    /// @dev The EIP-712 digest of an `EpochRoot`.
    function _hashEpochRoot(
        uint64 epoch,
        uint64 attempt,
        bytes32 root,
        uint256 cumulativeTotal,
        bytes32 receiptsRoot,
        bytes32 datasetHash,
        bytes32 rateCardHash
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        EPOCH_ROOT_TYPEHASH,
                        epoch,
                        attempt,
                        root,
                        cumulativeTotal,
                        receiptsRoot,
                        datasetHash,
                        rateCardHash
                    )
                )
            );
    }

    /// @dev The EIP-712 digest of a `ClaimAuthorization`.
    function _hashClaimAuthorization(ClaimAuthorization calldata a) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        CLAIM_AUTHORIZATION_TYPEHASH,
                        a.account,
                        a.recipient,
                        a.relayer,
                        a.maxRelayerFee,
                        a.nonce,
                        a.deadline
                    )
                )
            );
    }

    function _addSigner(address signer) private {
        if (signer == address(0)) revert ZeroAddress();
        if (_isSigner[signer]) revert SignerAlreadyAuthorized(signer);
        _isSigner[signer] = true;
        ++_config.signerCount;
        emit SignerAdded(signer);
    }

    function _setThreshold(uint256 newThreshold) private {
        Config storage config = _config;
        if (newThreshold == 0 || newThreshold > config.signerCount) {
            revert InvalidThreshold(newThreshold, config.signerCount);
        }
        emit ThresholdChanged(config.threshold, newThreshold);
        config.threshold = uint8(newThreshold);
    }

    function _setDisputeWindow(uint256 newWindowSeconds) private {
        if (newWindowSeconds < MIN_DISPUTE_WINDOW || newWindowSeconds > MAX_DISPUTE_WINDOW) {
            revert InvalidDisputeWindow(newWindowSeconds, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
        }
        emit DisputeWindowChanged(_config.disputeWindow, newWindowSeconds);
        _config.disputeWindow = uint32(newWindowSeconds);
    }

    function _setOutflowLimit(uint256 maxOutflowPerWindow, uint256 windowSeconds) private {
        Hot storage hot = _hot;
        hot.maxOutflowPerWindow = maxOutflowPerWindow.toUint64();
        hot.outflowWindowSeconds = windowSeconds.toUint24();
        emit OutflowLimitChanged(maxOutflowPerWindow, windowSeconds);
    }
}
