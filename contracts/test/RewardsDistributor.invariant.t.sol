// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockUSD} from "../mocks/MockUSD.sol";
import {RewardsDistributor} from "../RewardsDistributor.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {TestMerkle} from "./RewardsDistributorBase.t.sol";

/// @notice Drives the distributor through funding, proposals, vetoes, finalizations, claims (valid, stale,
/// pending, vetoed), withdrawals and time, with bounded inputs, and keeps ghost accounting to check against.
contract DistributorHandler is Test {
    uint256 internal constant ACTORS = 6;
    uint256 internal constant WINDOW = 1 days;

    RewardsDistributor public immutable distributor;
    MockUSD public immutable usd;
    address internal immutable admin;
    address internal immutable proposer;
    address internal immutable guardian;
    uint256[] internal signerKeys;
    address[] public actors;

    // Ghost state.
    uint256 public ghostFunded;
    uint256 public ghostWithdrawn;
    uint256 public ghostPaid;
    mapping(address account => uint256 paid) public ghostPaidTo;
    mapping(address account => uint256 claimed) internal lastClaimed;
    bool public unfinalizedRootPaid;
    bool public claimedDecreased;

    uint256[] internal finalizedAmounts;
    bytes32[] internal finalizedLeaves;
    bytes32 internal finalizedRoot;
    uint256[] internal pendingAmounts;
    bytes32[] internal pendingLeaves;
    bytes32 internal pendingRoot;
    bool internal hasPending;
    bytes32[] internal vetoedLeaves;
    uint256[] internal vetoedAmounts;
    bytes32 internal vetoedRoot;
    uint256 internal vetoedTotal;
    uint64 internal vetoedEpoch;
    uint64 internal vetoedAttempt;
    bytes[] internal vetoedSigs;
    uint256 internal pendingTotal;
    bytes[] internal pendingSigs;
    uint64 internal pendingAttempt;
    bool public vetoedRootReplayed;
    bool public pendingSurvivedSignerChange;
    uint256 public replaysTried;
    uint256 public signerChangesWhilePending;
    bool public replayNotAttemptMismatch;
    uint256 public thresholdRaisesWhilePending;
    uint256 public reassignedRoots;
    uint256 public partialClaims;
    bool public breakerMisPaid;
    mapping(uint256 index => uint256 leaf) internal maxLeaf;

    constructor(
        RewardsDistributor distributor_,
        MockUSD usd_,
        address admin_,
        address proposer_,
        address guardian_,
        uint256[] memory signerKeys_
    ) {
        distributor = distributor_;
        usd = usd_;
        admin = admin_;
        proposer = proposer_;
        guardian = guardian_;
        signerKeys = signerKeys_;
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(makeAddr(string.concat("actor-", vm.toString(i))));
            finalizedAmounts.push(0);
        }
    }

    function fund(uint256 amount) public {
        _fund(bound(amount, 1, 1_000_000e6));
    }

    function _fund(uint256 amount) internal {
        usd.mint(address(this), amount);
        usd.approve(address(distributor), amount);
        distributor.fund(amount);
        ghostFunded += amount;
    }

    function propose(uint256 seed) external {
        if (hasPending) return;
        uint256[] memory amounts = new uint256[](ACTORS);
        for (uint256 i; i < ACTORS; ++i) {
            amounts[i] = finalizedAmounts[i] + (uint256(keccak256(abi.encode(seed, i))) % 100_000e6);
        }
        _propose(seed, amounts, 0);
    }

    /// @dev The attack of issue 15: a root that lowers one account below what it already claimed and gives the
    /// difference (and more) to another, so the total does not go down. The contract cannot refuse it; anyone
    /// proves the over-claim with `reportShortfall` once it is final (the handler's `finalize` does), and the
    /// admin must never be able to withdraw the other accounts' entitlement.
    function proposeReassigned(uint256 seed) external {
        if (hasPending) return;
        uint256 victim = seed % ACTORS;
        uint256 taker = (victim + 1 + ((seed >> 8) % (ACTORS - 1))) % ACTORS;
        uint256 claimedByVictim = distributor.claimed(actors[victim]);
        if (claimedByVictim == 0) return;
        uint256[] memory amounts = new uint256[](ACTORS);
        for (uint256 i; i < ACTORS; ++i) amounts[i] = finalizedAmounts[i];
        uint256 lowered = (claimedByVictim * ((seed >> 16) % 100)) / 100; // below what it claimed
        amounts[taker] += amounts[victim] - lowered + ((seed >> 24) % 1_000e6);
        amounts[victim] = lowered;
        ++reassignedRoots;
        // The contract cannot see leaves, so it cannot reserve for an over-claim before anyone reports it: with
        // funding exactly at the total the last claimer would be short (the limit the NatSpec WARNING states).
        // The deployment keeps that much spare (the most the victim can have claimed above its new leaf by the
        // time the root is final); what the contract must guarantee is that neither a withdrawal nor a later root
        // takes it once the over-claim is reported.
        uint256 most = finalizedAmounts[victim] > claimedByVictim ? finalizedAmounts[victim] : claimedByVictim;
        _propose(seed, amounts, most - lowered);
    }

    /// @dev Proposes `amounts`, funded for its total, the reported over-claims and `spare`.
    function _propose(uint256 seed, uint256[] memory amounts, uint256 spare) internal {
        uint256 total;
        for (uint256 i; i < ACTORS; ++i) total += amounts[i];
        _fundFor(total + spare);
        bytes32[] memory leaves = TestMerkle.leaves(actors, amounts);
        bytes32 root = TestMerkle.root(leaves);
        uint64 epoch = distributor.latestEpoch() + 1;
        uint64 attempt = distributor.proposalAttempt(epoch);
        bytes[] memory sigs = _sign(seed, distributor.epochRootDigest(epoch, attempt, root, total, root, 0, 0));
        vm.prank(proposer);
        distributor.proposeRoot(epoch, attempt, root, total, root, bytes32(0), bytes32(0), sigs);
        hasPending = true;
        pendingTotal = total;
        delete pendingSigs;
        for (uint256 k; k < sigs.length; ++k) pendingSigs.push(sigs[k]);
        pendingAttempt = attempt;
        pendingAmounts = amounts;
        pendingLeaves = leaves;
        pendingRoot = root;
        _reportAll();
    }

    /// @dev Funds what a proposal of `total` needs: the total plus the reported over-claims.
    function _fundFor(uint256 total) internal {
        uint256 needed = total + distributor.knownShortfall();
        uint256 netFunded = distributor.netFunded();
        if (needed > netFunded) _fund(needed - netFunded);
    }

    function _sign(uint256 seed, bytes32 digest) internal view returns (bytes[] memory sigs) {
        sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[(seed + i) % signerKeys.length], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    function veto() external {
        if (!hasPending) return;
        uint64 epoch = distributor.latestEpoch();
        if (block.timestamp >= distributor.epochRecord(epoch).validAt) return;
        vm.prank(guardian);
        distributor.veto(epoch, "invariant handler");
        _pendingToVetoed(epoch);
        _reportAll();
    }

    function _pendingToVetoed(uint64 epoch) internal {
        hasPending = false;
        vetoedLeaves = pendingLeaves;
        vetoedAmounts = pendingAmounts;
        vetoedRoot = pendingRoot;
        vetoedTotal = pendingTotal;
        vetoedEpoch = epoch;
        vetoedAttempt = pendingAttempt;
        delete vetoedSigs;
        for (uint256 k; k < pendingSigs.length; ++k) vetoedSigs.push(pendingSigs[k]);
    }

    /// @dev The proposer alone re-posts the last vetoed root with its signatures: must never be accepted.
    function replayVetoed() external {
        if (hasPending || vetoedSigs.length == 0 || distributor.latestEpoch() + 1 != vetoedEpoch) return;
        ++replaysTried;
        // Funded enough that only the attempt (and then the signatures) can refuse it.
        _fundFor(vetoedTotal);
        bytes[] memory sigs = vetoedSigs;
        for (uint64 attempt = vetoedAttempt; attempt <= vetoedAttempt + 1; ++attempt) {
            vm.prank(proposer);
            try distributor.proposeRoot(vetoedEpoch, attempt, vetoedRoot, vetoedTotal, vetoedRoot, 0, 0, sigs) {
                vetoedRootReplayed = true;
            } catch (bytes memory reason) {
                // The same attempt is refused before any signature is looked at.
                bytes memory mismatch = abi.encodeWithSelector(
                    IRewardsDistributor.AttemptMismatch.selector,
                    vetoedEpoch,
                    vetoedAttempt + 1,
                    vetoedAttempt
                );
                if (attempt == vetoedAttempt && keccak256(reason) != keccak256(mismatch)) {
                    replayNotAttemptMismatch = true;
                }
            }
        }
    }

    /// @dev The admin removes a signer while a root is pending (and adds it back, so the handler can keep
    /// signing): the pending root must not survive.
    function changeSignersWhilePending(uint256 seed) external {
        if (!hasPending) return;
        ++signerChangesWhilePending;
        uint64 epoch = distributor.latestEpoch();
        address signer = vm.addr(signerKeys[seed % signerKeys.length]);
        vm.startPrank(admin);
        distributor.removeSigner(signer);
        distributor.addSigner(signer);
        vm.stopPrank();
        if (distributor.epochRecord(epoch).status == IRewardsDistributor.EpochStatus.Pending) {
            pendingSurvivedSignerChange = true;
        }
        _pendingToVetoed(epoch);
        _reportAll();
    }

    function finalize() external {
        if (!hasPending) return;
        uint64 epoch = distributor.latestEpoch();
        uint64 validAt = distributor.epochRecord(epoch).validAt;
        if (block.timestamp < validAt) vm.warp(validAt);
        distributor.finalize(epoch);
        hasPending = false;
        finalizedAmounts = pendingAmounts;
        finalizedLeaves = pendingLeaves;
        finalizedRoot = pendingRoot;
        for (uint256 i; i < ACTORS; ++i) {
            if (finalizedAmounts[i] > maxLeaf[i]) maxLeaf[i] = finalizedAmounts[i];
        }
        _reportAll();
    }

    /// @dev A diligent watcher (anyone may report): after every action, every account's leaf is proven against
    /// the finalized root and, while one is pending, the pending root. Over-claims are recorded as soon as the
    /// contract can know them; entries clear only when no root is pending.
    function _reportAll() internal {
        for (uint256 i; i < ACTORS; ++i) {
            if (finalizedLeaves.length != 0) {
                distributor.reportShortfall(actors[i], finalizedAmounts[i], TestMerkle.proof(finalizedLeaves, i));
            }
            if (hasPending) {
                distributor.reportShortfall(actors[i], pendingAmounts[i], TestMerkle.proof(pendingLeaves, i));
            }
        }
    }

    /// @dev The admin raises the threshold while a root is pending (and lowers it back so the handler can keep
    /// proposing with three signatures): the pending root must not survive.
    function raiseThresholdWhilePending() external {
        if (!hasPending) return;
        ++thresholdRaisesWhilePending;
        uint64 epoch = distributor.latestEpoch();
        vm.startPrank(admin);
        distributor.setThreshold(4);
        distributor.setThreshold(3);
        vm.stopPrank();
        if (distributor.epochRecord(epoch).status == IRewardsDistributor.EpochStatus.Pending) {
            pendingSurvivedSignerChange = true;
        }
        _pendingToVetoed(epoch);
        _reportAll();
    }

    function claim(uint256 actorSeed, bool many) external {
        if (finalizedLeaves.length == 0) return;
        uint256 i = actorSeed % ACTORS;
        address account = actors[i];
        uint256 amount = finalizedAmounts[i];
        bytes32[] memory proof = TestMerkle.proof(finalizedLeaves, i);
        uint256 before = usd.balanceOf(account);
        if (many) {
            address[] memory accounts = new address[](1);
            uint256[] memory amounts = new uint256[](1);
            bytes32[][] memory proofs = new bytes32[][](1);
            accounts[0] = account;
            amounts[0] = amount;
            proofs[0] = proof;
            try distributor.claimMany(accounts, amounts, proofs) {} catch {}
        } else if (amount > distributor.claimed(account)) {
            uint256 due = amount - distributor.claimed(account);
            uint256 available = distributor.availableOutflow();
            try distributor.claim(account, amount, proof) returns (uint256 paid) {
                // The breaker pays what it lets out, the rest stays claimable (ClaimLimited).
                if (paid != (due < available ? due : available)) breakerMisPaid = true;
                if (paid < due) ++partialClaims;
            } catch (bytes memory reason) {
                if (available != 0 && bytes4(reason) == IRewardsDistributor.OutflowLimitExceeded.selector) {
                    breakerMisPaid = true;
                }
            }
        }
        _record(account, usd.balanceOf(account) - before);
        _reportAll();
    }

    /// @dev Tries to claim with the pending or the vetoed tree: must never pay unless that tree is the
    /// finalized one.
    function claimUnfinalized(uint256 actorSeed, bool vetoed) external {
        bytes32[] memory leaves = vetoed ? vetoedLeaves : pendingLeaves;
        if (leaves.length == 0 || (!vetoed && !hasPending)) return;
        bytes32 root = vetoed ? vetoedRoot : pendingRoot;
        uint256 i = actorSeed % ACTORS;
        address account = actors[i];
        uint256 amount = vetoed ? vetoedAmounts[i] : pendingAmounts[i];
        uint256 before = usd.balanceOf(account);
        try distributor.claim(account, amount, TestMerkle.proof(leaves, i)) {
            if (root != finalizedRoot) unfinalizedRootPaid = true;
        } catch {}
        _record(account, usd.balanceOf(account) - before);
        _reportAll();
    }

    function withdraw(uint256 amount) external {
        uint256 excess = distributor.excess();
        if (excess == 0) return;
        amount = bound(amount, 1, excess);
        vm.prank(admin);
        distributor.withdrawExcess(admin, amount);
        ghostWithdrawn += amount;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 2 * WINDOW));
    }

    function _record(address account, uint256 paid) internal {
        ghostPaid += paid;
        ghostPaidTo[account] += paid;
        for (uint256 k; k < ACTORS; ++k) {
            address a = actors[k];
            uint256 c = distributor.claimed(a);
            if (c < lastClaimed[a]) claimedDecreased = true;
            lastClaimed[a] = c;
        }
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    function finalizedAmount(uint256 i) external view returns (uint256) {
        return finalizedAmounts[i];
    }

    /// @dev The highest leaf account `i` ever had in a finalized root (what it may have claimed up to).
    function maxFinalizedAmount(uint256 i) external view returns (uint256) {
        return maxLeaf[i];
    }

    function pendingAmount(uint256 i) external view returns (uint256) {
        return pendingAmounts[i];
    }

    function hasPendingRoot() external view returns (bool) {
        return hasPending;
    }
}

contract RewardsDistributorInvariantTest is Test {
    RewardsDistributor internal distributor;
    MockUSD internal usd;
    DistributorHandler internal handler;

    function setUp() public {
        address admin = makeAddr("admin");
        address proposer = makeAddr("proposer");
        address guardian = makeAddr("guardian");
        address[] memory signers = new address[](5);
        uint256[] memory keys = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            (signers[i], keys[i]) = makeAddrAndKey(string.concat("oracle-", vm.toString(i)));
        }
        usd = new MockUSD();
        // The breaker is on and tight enough to trip now and then.
        distributor = new RewardsDistributor(
            IERC20(address(usd)),
            admin,
            1 days,
            signers,
            3,
            1 days,
            250_000e6,
            1 days
        );
        vm.startPrank(admin);
        distributor.grantRole(distributor.PROPOSER_ROLE(), proposer);
        distributor.grantRole(distributor.GUARDIAN_ROLE(), guardian);
        vm.stopPrank();
        handler = new DistributorHandler(distributor, usd, admin, proposer, guardian, keys);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = DistributorHandler.fund.selector;
        selectors[1] = DistributorHandler.propose.selector;
        selectors[2] = DistributorHandler.veto.selector;
        selectors[3] = DistributorHandler.finalize.selector;
        selectors[4] = DistributorHandler.claim.selector;
        selectors[5] = DistributorHandler.claimUnfinalized.selector;
        selectors[6] = DistributorHandler.withdraw.selector;
        selectors[7] = DistributorHandler.replayVetoed.selector;
        selectors[8] = DistributorHandler.changeSignersWhilePending.selector;
        selectors[9] = DistributorHandler.proposeReassigned.selector;
        selectors[10] = DistributorHandler.raiseThresholdWhilePending.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Every property after every call of one campaign: one campaign of `runs` sequences checks them all
    /// (a campaign per property would multiply the ci profile's time by their number).
    function invariant_everyProperty() public view {
        checkTotalPaidWithinFundedMinusWithdrawn();
        checkAccountNeverExceedsFinalizedEntitlement();
        checkPendingOrVetoedRootNeverPays();
        checkSolvent();
        checkVetoedRootNeverReplayed();
        checkPendingRootFollowsTheSignerSet();
        checkSolventPerAccount();
        checkKnownShortfallAndExcessConsistent();
        checkBreakerPaysWhatItLetsOut();
        checkVetoedReplayRevertsAttemptMismatch();
        checkClaimedNeverDecreases();
    }

    /// @dev The handler's paths all do something (guards against a handler that only returns early).
    function test_handler_exercisesEveryPath() public {
        handler.propose(1);
        handler.finalize();
        handler.claim(0, false);
        handler.claim(1, true);
        assertGt(handler.ghostPaid(), 0);
        handler.propose(2);
        handler.claimUnfinalized(2, false);
        handler.veto();
        handler.claimUnfinalized(3, true);
        handler.withdraw(1);
        assertGt(handler.ghostWithdrawn(), 0);
        handler.replayVetoed();
        assertEq(handler.replaysTried(), 1);
        handler.propose(3);
        handler.changeSignersWhilePending(4);
        assertEq(handler.signerChangesWhilePending(), 1);
        handler.propose(5);
        handler.raiseThresholdWhilePending();
        assertEq(handler.thresholdRaisesWhilePending(), 1);
        // Reassignment: actor 0 claimed; lower it to half of that and give the rest to actor 1.
        handler.proposeReassigned((uint256(50) << 16) + 4); // victim 0 (≡ 0 mod 6), taker 1, half
        assertEq(handler.reassignedRoots(), 1);
        handler.finalize();
        assertGt(distributor.knownShortfall(), 0);
        checkKnownShortfallAndExcessConsistent();
        handler.withdraw(type(uint256).max);
        handler.claim(1, false);
        checkSolventPerAccount();
        // The breaker: a claim above what is left in the window is paid in part.
        handler.propose(6);
        handler.finalize();
        for (uint256 k; k < 6; ++k) {
            if (k != 2) handler.claim(k, false); // actor 2 stays unclaimed (checked below)
        }
        assertGt(handler.partialClaims(), 0);
        checkBreakerPaysWhatItLetsOut();
        checkVetoedReplayRevertsAttemptMismatch();
        checkVetoedRootNeverReplayed();
        checkPendingRootFollowsTheSignerSet();
        checkSolventPerAccount();
        assertFalse(handler.unfinalizedRootPaid());
        assertEq(distributor.claimed(handler.actors(2)), 0);
        checkTotalPaidWithinFundedMinusWithdrawn();
        checkAccountNeverExceedsFinalizedEntitlement();
        checkSolvent();
    }

    /// @dev Total paid ≤ total funded − withdrawn, and the token balance is exactly what is left.
    function checkTotalPaidWithinFundedMinusWithdrawn() public view {
        assertLe(handler.ghostPaid(), handler.ghostFunded() - handler.ghostWithdrawn());
        assertEq(
            usd.balanceOf(address(distributor)),
            handler.ghostFunded() - handler.ghostWithdrawn() - handler.ghostPaid()
        );
        assertEq(distributor.netFunded(), handler.ghostFunded() - handler.ghostWithdrawn());
    }

    /// @dev No account ever receives more than the highest cumulative amount it had in a finalized root (the
    /// latest one, unless a reassigning root lowered it), and the contract's `claimed` is exactly what it received.
    function checkAccountNeverExceedsFinalizedEntitlement() public view {
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertLe(handler.ghostPaidTo(a), handler.maxFinalizedAmount(i));
            assertEq(distributor.claimed(a), handler.ghostPaidTo(a));
        }
    }

    /// @dev A pending or vetoed root never pays.
    function checkPendingOrVetoedRootNeverPays() public view {
        assertFalse(handler.unfinalizedRootPaid());
    }

    /// @dev Solvent after every action: the balance covers every outstanding entitlement (pending included),
    /// and funding minus withdrawals covers the committed total.
    function checkSolvent() public view {
        uint256 claimedTotal;
        for (uint256 i; i < handler.actorCount(); ++i) {
            claimedTotal += distributor.claimed(handler.actors(i));
        }
        assertGe(usd.balanceOf(address(distributor)) + claimedTotal, distributor.committedTotal());
        assertGe(distributor.netFunded(), distributor.committedTotal());
    }

    /// @dev A vetoed root's signatures never propose again (attempt replay, same or next attempt).
    function checkVetoedRootNeverReplayed() public view {
        assertFalse(handler.vetoedRootReplayed());
    }

    /// @dev Removing a signer never leaves the root pending that was signed under the old set.
    function checkPendingRootFollowsTheSignerSet() public view {
        assertFalse(handler.pendingSurvivedSignerChange());
    }

    /// @dev Exact per account: the balance covers Σ max(0, leaf − claimed) over every account of the
    /// latest finalized root.
    function checkSolventPerAccount() public view {
        uint256 owed;
        for (uint256 i; i < handler.actorCount(); ++i) {
            uint256 leaf = handler.finalizedAmount(i);
            uint256 c = distributor.claimed(handler.actors(i));
            if (leaf > c) owed += leaf - c;
        }
        assertGe(usd.balanceOf(address(distributor)), owed);
    }

    /// @dev Item 4: with a watcher reporting every leaf, `knownShortfall` is exactly the finalized root's
    /// over-claims when no root is pending, and covers both roots' while one is; `excess()` is what funding leaves
    /// after the committed total and the known over-claims. Together with `checkSolventPerAccount`: a withdrawal
    /// never takes another account's unclaimed entitlement as far as the contract can know it.
    function checkKnownShortfallAndExcessConsistent() public view {
        uint256 overFinalized;
        uint256 overPending;
        for (uint256 i; i < handler.actorCount(); ++i) {
            uint256 c = distributor.claimed(handler.actors(i));
            uint256 leaf = handler.finalizedAmount(i);
            if (c > leaf) overFinalized += c - leaf;
            if (handler.hasPendingRoot()) {
                uint256 pendingLeaf = handler.pendingAmount(i);
                if (c > pendingLeaf) overPending += c - pendingLeaf;
            }
        }
        uint256 known = distributor.knownShortfall();
        if (handler.hasPendingRoot()) {
            // Both roots' over-claims are known (a pending report only raises an entry).
            assertGe(known, overFinalized);
            assertGe(known, overPending);
        } else {
            assertEq(known, overFinalized);
        }
        uint256 free = distributor.netFunded() - distributor.committedTotal();
        assertEq(distributor.excess(), free > known ? free - known : 0);
    }

    /// @dev The breaker pays min(due, what it lets out) and never refuses a claim while it has headroom.
    function checkBreakerPaysWhatItLetsOut() public view {
        assertFalse(handler.breakerMisPaid());
    }

    /// @dev A vetoed root re-posted with its own attempt reverts `AttemptMismatch`.
    function checkVetoedReplayRevertsAttemptMismatch() public view {
        assertFalse(handler.replayNotAttemptMismatch());
    }

    /// @dev `claimed` never decreases.
    function checkClaimedNeverDecreases() public view {
        assertFalse(handler.claimedDecreased());
    }
}
