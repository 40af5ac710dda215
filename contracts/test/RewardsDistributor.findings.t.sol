// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {RewardsDistributor} from "../RewardsDistributor.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {RewardsDistributorBase, TestMerkle} from "./RewardsDistributorBase.t.sol";

/// @dev An 18-decimal token: not the contract's unit.
contract EighteenDecimals is ERC20 {
    constructor() ERC20("Eighteen", "E18") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice The security review of issue 15, finding by finding: each attack as it was reproduced, now refused
/// with the custom error (and arguments) that names why.
contract RewardsDistributorFindingsTest is RewardsDistributorBase {
    uint256 internal constant BASE = 100e6;

    event RootVetoed(uint64 indexed epoch, address indexed guardian, string reason);

    /*//////////////////////////////////////////////////////////////
          HIGH — a vetoed root re-posted with the same signatures
    //////////////////////////////////////////////////////////////*/

    function _vetoedEpoch1() internal returns (bytes32 root, bytes[] memory sigs) {
        (root, , , ) = _tree(BASE);
        sigs = _signatures(1, root, 10 * BASE, THRESHOLD); // attempt 1
        _proposeWith(1, root, 10 * BASE, sigs);
        vm.prank(guardian);
        distributor.veto(1, "bad root");
    }

    function test_high_vetoedRootReplayedAsTheSameAttempt_revertsAttemptMismatch() public {
        (bytes32 root, bytes[] memory sigs) = _vetoedEpoch1();
        assertEq(distributor.proposalAttempt(1), 2);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.AttemptMismatch.selector, 1, 2, 1));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, 10 * BASE, r, d, c, sigs);
    }

    function test_high_vetoedRootsSignaturesUnderTheNextAttempt_revertUnauthorizedSigner() public {
        (bytes32 root, bytes[] memory sigs) = _vetoedEpoch1();
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        // The old signatures recover to no signer over the attempt-2 digest.
        address recovered = ECDSA.recover(distributor.epochRootDigest(1, 2, root, 10 * BASE, r, d, c), sigs[0]);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, recovered));
        vm.prank(proposer);
        distributor.proposeRoot(1, 2, root, 10 * BASE, r, d, c, sigs);
    }

    function test_high_reproposalNeedsFreshSignaturesForTheNextAttempt() public {
        (bytes32 root, ) = _vetoedEpoch1();
        _propose(1, root, 10 * BASE); // signs attempt 2
        IRewardsDistributor.EpochRecord memory rec = distributor.epochRecord(1);
        assertEq(rec.attempt, 2);
        assertEq(uint8(rec.status), uint8(IRewardsDistributor.EpochStatus.Pending));
    }

    /*//////////////////////////////////////////////////////////////
                MEDIUM — the admin disables every layer
    //////////////////////////////////////////////////////////////*/

    function test_medium_adminSetsDisputeWindowZero_revertsInvalidDisputeWindow() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidDisputeWindow.selector, 0, 1 hours, 30 days));
        vm.prank(admin);
        distributor.setDisputeWindow(0);
    }

    function test_medium_adminGrantsItselfProposer_revertsAdminCannotPropose() public {
        bytes32 role = distributor.PROPOSER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.AdminCannotPropose.selector, admin));
        vm.prank(admin);
        distributor.grantRole(role, admin);
    }

    function test_medium_proposerCannotBecomeAdmin_revertsAdminCannotPropose() public {
        vm.prank(admin);
        distributor.beginDefaultAdminTransfer(proposer);
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.AdminCannotPropose.selector, proposer));
        vm.prank(proposer);
        distributor.acceptDefaultAdminTransfer();
    }

    /*//////////////////////////////////////////////////////////////
        MEDIUM — a cumulative amount goes down, excess counts it free
    //////////////////////////////////////////////////////////////*/

    function test_medium_decreasedLeafReported_excessExcludesIt_withdrawRevertsInsufficientExcess() public {
        // Epoch 1: alice 100, bob 200, carol 300, dave 400 (total 1000); alice claims her 100.
        (, bytes32[] memory leaves1) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves1, 0));
        // Epoch 2 (a corrupt quorum): alice lowered to 0, her 100 moved to bob; the total is unchanged.
        address[] memory accounts = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        (accounts[0], accounts[1], accounts[2], accounts[3]) = (alice, bob, carol, dave);
        (amounts[0], amounts[1], amounts[2], amounts[3]) = (0, 3 * BASE, 3 * BASE, 4 * BASE);
        bytes32[] memory leaves2 = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(2, TestMerkle.root(leaves2), 10 * BASE);
        uint256 excessBefore = distributor.excess();
        // Anyone proves alice's leaf below what she claimed: the 100 is no longer free.
        distributor.reportShortfall(alice, 0, TestMerkle.proof(leaves2, 0));
        assertEq(distributor.knownShortfall(), BASE);
        assertEq(distributor.excess(), excessBefore - BASE);
        uint256 available = distributor.excess();
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.InsufficientExcess.selector, available + 1, available)
        );
        vm.prank(admin);
        distributor.withdrawExcess(admin, available + 1);
        // Everyone else can still be paid in full from what the admin may not withdraw.
        vm.prank(admin);
        distributor.withdrawExcess(admin, available);
        distributor.claim(bob, 3 * BASE, TestMerkle.proof(leaves2, 1));
        distributor.claim(carol, 3 * BASE, TestMerkle.proof(leaves2, 2));
        distributor.claim(dave, 4 * BASE, TestMerkle.proof(leaves2, 3));
        assertEq(usd.balanceOf(address(distributor)), 0);
    }

    /// @dev Item 4: a reported over-claim is money paid beyond the roots' totals. The admin cannot withdraw it
    /// (above), and a later root cannot commit it to other accounts either: the proposal must be funded for its
    /// total plus `knownShortfall`, or the last claimer would be short without any withdrawal.
    function test_medium_reportedShortfall_laterRootCannotCommitIt_revertsInsufficientFunding() public {
        (, bytes32[] memory leaves1) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves1, 0));
        address[] memory accounts = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        (accounts[0], accounts[1], accounts[2], accounts[3]) = (alice, bob, carol, dave);
        (amounts[0], amounts[1], amounts[2], amounts[3]) = (0, 3 * BASE, 3 * BASE, 4 * BASE);
        bytes32[] memory leaves2 = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(2, TestMerkle.root(leaves2), 10 * BASE);
        distributor.reportShortfall(alice, 0, TestMerkle.proof(leaves2, 0));
        // Epoch 3 asks for every unit of funding: the reported 100 is not available to it.
        uint256 funded = distributor.netFunded();
        (bytes32 root3, bytes32[] memory leaves3, , ) = _tree(BASE);
        bytes[] memory sigs = _signatures(3, root3, funded, THRESHOLD);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(3);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.InsufficientFunding.selector, funded, funded - BASE)
        );
        vm.prank(proposer);
        distributor.proposeRoot(3, 1, root3, funded, r, d, c, sigs);
        // A root that raises alice back to what she claimed clears the report once final: the reserve is freed.
        _proposeAndFinalize(3, root3, funded - BASE);
        distributor.reportShortfall(alice, BASE, TestMerkle.proof(leaves3, 0));
        assertEq(distributor.knownShortfall(), 0);
        _proposeAndFinalize(4, root3, funded);
    }

    function test_medium_reportShortfall_revertsInvalidProof() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, alice, 0));
        distributor.reportShortfall(alice, 0, proof);
    }

    /*//////////////////////////////////////////////////////////////
            LOW F5 — a pending root outlives a signer change
    //////////////////////////////////////////////////////////////*/

    function test_f5_removingASignerVetoesThePendingRoot_finalizeRevertsEpochNotPending() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        vm.expectEmit(address(distributor));
        emit RootVetoed(1, admin, "signer removed");
        vm.prank(admin);
        distributor.removeSigner(signerAddrs[0]);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.Vetoed
            )
        );
        distributor.finalize(1);
        assertEq(distributor.latestEpoch(), 0);
        assertEq(distributor.proposalAttempt(1), 2);
    }

    function test_f5_raisingTheThresholdVetoesThePendingRoot() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        vm.expectEmit(address(distributor));
        emit RootVetoed(1, admin, "threshold raised");
        vm.prank(admin);
        distributor.setThreshold(4);
        assertEq(uint8(distributor.epochRecord(1).status), uint8(IRewardsDistributor.EpochStatus.Vetoed));
    }

    function test_f5_loweringTheThresholdOrAddingASignerKeepsThePendingRoot() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        vm.startPrank(admin);
        distributor.setThreshold(2);
        distributor.addSigner(makeAddr("new-signer"));
        vm.stopPrank();
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        distributor.finalize(1);
        assertEq(distributor.finalizedEpoch(), 1);
    }

    /*//////////////////////////////////////////////////////////////
        LOW F4 — an authorization cannot be revoked or bound
    //////////////////////////////////////////////////////////////*/

    function _auth(address relayer_) internal view returns (IRewardsDistributor.ClaimAuthorization memory) {
        return
            IRewardsDistributor.ClaimAuthorization({
                account: alice,
                recipient: carol,
                relayer: relayer_,
                maxRelayerFee: 1e6,
                nonce: 0,
                deadline: block.timestamp + 1 days
            });
    }

    function test_f4_invalidateNonce_revokesTheOutstandingAuthorization_revertsInvalidNonce() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(address(0));
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        vm.prank(alice);
        distributor.invalidateNonce();
        assertEq(distributor.nonces(alice), 1);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidNonce.selector, alice, 1, 0));
        vm.prank(relayer);
        distributor.claimWithSig(a, BASE, proof, 0, sig);
    }

    function test_f4_authorizationBoundToARelayer_revertsUnauthorizedRelayer() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(relayer);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedRelayer.selector, relayer, stranger));
        vm.prank(stranger);
        distributor.claimWithSig(a, BASE, proof, 0, sig);
        vm.prank(relayer);
        assertEq(distributor.claimWithSig(a, BASE, proof, 0.5e6, sig), BASE);
    }

    /*//////////////////////////////////////////////////////////////
                  ALSO NOTED — token decimals, stuck tokens
    //////////////////////////////////////////////////////////////*/

    function test_token_constructorRefusesAnotherUnit_revertsInvalidTokenDecimals() public {
        EighteenDecimals e18 = new EighteenDecimals();
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidTokenDecimals.selector, 18, 6));
        new RewardsDistributor(IERC20(address(e18)), admin, ADMIN_DELAY, signerAddrs, 3, 1 days, 1, 1);
    }

    function test_token_sweepsAnotherTokenToARoleHolder() public {
        EighteenDecimals stray = new EighteenDecimals();
        stray.mint(address(distributor), 5e18);
        vm.prank(admin);
        distributor.sweep(address(stray), guardian, 5e18);
        assertEq(stray.balanceOf(guardian), 5e18);
    }

    function test_token_sweep_revertsForThePayoutToken() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.CannotSweepPayoutToken.selector, address(usd)));
        vm.prank(admin);
        distributor.sweep(address(usd), admin, 1);
    }

    function test_token_sweep_revertsForARecipientWithoutARole() public {
        EighteenDecimals stray = new EighteenDecimals();
        stray.mint(address(distributor), 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.SweepRecipientNotRoleHolder.selector, stranger));
        vm.prank(admin);
        distributor.sweep(address(stray), stranger, 1);
    }

    function test_token_sweep_revertsForZeroAmount() public {
        EighteenDecimals stray = new EighteenDecimals();
        stray.mint(address(distributor), 5e18);
        vm.expectRevert(IRewardsDistributor.ZeroAmount.selector);
        vm.prank(admin);
        distributor.sweep(address(stray), guardian, 0);
    }

    /*//////////////////////////////////////////////////////////////
                  COVERAGE — the rarer refusals of the claim path
    //////////////////////////////////////////////////////////////*/

    /// @dev Before any proposal there is no root to prove a shortfall against.
    function test_reportShortfall_beforeAnyRoot_revertsNoFinalizedRoot() public {
        vm.expectRevert(IRewardsDistributor.NoFinalizedRoot.selector);
        distributor.reportShortfall(alice, 0, new bytes32[](0));
    }

    /// @dev While a root is pending, a proof against the finalized root still reports (the pending one may be
    /// vetoed), and a report beside a pending root never clears an entry.
    function test_reportShortfall_whilePending_provesAgainstEitherRoot_andOnlyRaises() public {
        (, bytes32[] memory leaves1) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves1, 0));
        address[] memory accounts = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        (accounts[0], accounts[1], accounts[2], accounts[3]) = (alice, bob, carol, dave);
        (amounts[0], amounts[1], amounts[2], amounts[3]) = (BASE / 4, 3 * BASE, 3 * BASE, 4 * BASE);
        bytes32[] memory leaves2 = TestMerkle.leaves(accounts, amounts);
        _propose(2, TestMerkle.root(leaves2), 10 * BASE);
        // Against the pending root: alice is 3/4 BASE over.
        distributor.reportShortfall(alice, BASE / 4, TestMerkle.proof(leaves2, 0));
        assertEq(distributor.knownShortfall(), (3 * BASE) / 4);
        // Against the finalized root (alice's leaf there is what she claimed): the entry is kept, not cleared.
        distributor.reportShortfall(alice, BASE, TestMerkle.proof(leaves1, 0));
        assertEq(distributor.knownShortfall(), (3 * BASE) / 4);
        // The guardian vetoes: nothing is pending, the finalized root's proof now clears the entry.
        vm.prank(guardian);
        distributor.veto(2, "lowers alice below her claim");
        distributor.reportShortfall(alice, BASE, TestMerkle.proof(leaves1, 0));
        assertEq(distributor.knownShortfall(), 0);
    }

    /// @dev Reported over-claims as large as the whole funding leave nothing a proposal may commit.
    function test_reportedShortfallEqualToFunding_proposalRevertsInsufficientFundingZero() public {
        vm.prank(admin);
        distributor.setOutflowLimit(0, 0);
        uint256 funded = distributor.netFunded();
        // A corrupt quorum gives alice everything; she claims it; the next root lowers her to 0.
        address[] memory accounts = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (accounts[0], accounts[1]) = (alice, bob);
        (amounts[0], amounts[1]) = (funded, 0);
        bytes32[] memory leaves1 = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(1, TestMerkle.root(leaves1), funded);
        distributor.claim(alice, funded, TestMerkle.proof(leaves1, 0));
        amounts[0] = 0;
        bytes32[] memory leaves2 = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(2, TestMerkle.root(leaves2), funded);
        distributor.reportShortfall(alice, 0, TestMerkle.proof(leaves2, 0));
        assertEq(distributor.knownShortfall(), funded);
        assertEq(distributor.excess(), 0);
        (bytes32 root3, , , ) = _tree(BASE);
        bytes[] memory sigs = _signatures(3, root3, funded, THRESHOLD);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(3);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientFunding.selector, funded, 0));
        vm.prank(proposer);
        distributor.proposeRoot(3, 1, root3, funded, r, d, c, sigs);
    }

    /// @dev A corrupt root with a leaf above 2^128 and the breaker off: the claimed amount cannot wrap.
    function test_claim_leafAbove128Bits_revertsSafeCastOverflow() public {
        vm.prank(admin);
        distributor.setOutflowLimit(0, 0);
        address[] memory accounts = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (accounts[0], accounts[1]) = (alice, bob);
        (amounts[0], amounts[1]) = (uint256(type(uint128).max) + 1, BASE);
        bytes32[] memory leaves = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(1, TestMerkle.root(leaves), BASE);
        vm.expectRevert(abi.encodeWithSignature("SafeCastOverflowedUintDowncast(uint8,uint256)", 128, amounts[0]));
        distributor.claim(alice, amounts[0], TestMerkle.proof(leaves, 0));
    }

    /// @dev A batch whose every account has nothing left returns 0 without writing the breaker.
    function test_claimMany_nothingLeftToPay_returnsZeroWithoutWriting() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves, 0));
        (, , uint256 inWindowBefore, uint256 updatedAtBefore) = distributor.outflowState();
        vm.warp(block.timestamp + 1 hours);
        address[] memory accounts = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        bytes32[][] memory proofs = new bytes32[][](1);
        (accounts[0], amounts[0], proofs[0]) = (alice, BASE, TestMerkle.proof(leaves, 0));
        assertEq(distributor.claimMany(accounts, amounts, proofs), 0);
        (, , uint256 inWindowAfter, uint256 updatedAtAfter) = distributor.outflowState();
        assertEq(inWindowAfter, inWindowBefore);
        assertEq(updatedAtAfter, updatedAtBefore);
    }

    /*//////////////////////////////////////////////////////////////
      EMERGENCY — lowering the breaker is immediate, and only lowers
    //////////////////////////////////////////////////////////////*/

    event OutflowLimitChanged(uint256 maxOutflowPerWindow, uint256 windowSeconds);
    event ClaimLimited(address indexed account, uint256 due, uint256 paid);

    /// @dev The guardian cuts the breaker to $100 at once (no timelock): the next claim pays $100, the rest stays due.
    function test_emergency_guardianLowersTheBreaker_atOnce_nextClaimIsLimited() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        vm.expectEmit(address(distributor));
        emit OutflowLimitChanged(BASE, OUTFLOW_WINDOW);
        vm.prank(guardian);
        distributor.lowerOutflowLimit(BASE);
        (uint256 maxOutflow, uint256 window, , ) = distributor.outflowState();
        assertEq(maxOutflow, BASE);
        assertEq(window, OUTFLOW_WINDOW);
        vm.expectEmit(address(distributor));
        emit ClaimLimited(bob, 2 * BASE, BASE);
        distributor.claim(bob, 2 * BASE, TestMerkle.proof(leaves, 1));
        assertEq(distributor.claimed(bob), BASE);
    }

    /// @dev Raising, keeping, or (breaker off) setting a limit is the admin's delayed path, never the guardian's.
    function test_emergency_guardianCannotRaiseOrKeepTheLimit_revertsOutflowLimitNotLowered() public {
        vm.startPrank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.OutflowLimitNotLowered.selector,
                OUTFLOW_LIMIT,
                OUTFLOW_LIMIT + 1,
                OUTFLOW_WINDOW
            )
        );
        distributor.lowerOutflowLimit(OUTFLOW_LIMIT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.OutflowLimitNotLowered.selector,
                OUTFLOW_LIMIT,
                OUTFLOW_LIMIT,
                OUTFLOW_WINDOW
            )
        );
        distributor.lowerOutflowLimit(OUTFLOW_LIMIT);
        vm.stopPrank();
        vm.prank(admin);
        distributor.setOutflowLimit(0, 0);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.OutflowLimitNotLowered.selector, 0, 0, 0));
        distributor.lowerOutflowLimit(0);
    }

    /// @dev Only the guardian: not the proposer, the pauser, the admin or a stranger.
    function test_emergency_lowerOutflowLimitByAnotherKey_revertsAccessControlUnauthorizedAccount() public {
        address[4] memory others = [proposer, pauser, admin, stranger];
        bytes32 role = distributor.GUARDIAN_ROLE();
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", others[i], role)
            );
            vm.prank(others[i]);
            distributor.lowerOutflowLimit(1);
        }
    }
}
