// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {RewardsDistributorBase, TestMerkle} from "./RewardsDistributorBase.t.sol";

contract RewardsDistributorFuzzTest is RewardsDistributorBase {
    /// @dev alice's cumulative entitlement grows over three epochs; she claims at any subset of them and
    /// ends up with exactly her latest cumulative amount, never more.
    function testFuzz_claim_cumulativePaysExactlyTheEntitlement(uint256[3] memory increments, uint8 mask) public {
        address[] memory accounts = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        accounts[0] = alice;
        accounts[1] = bob;
        amounts[1] = 7e6;
        uint256 received;
        for (uint64 epoch = 1; epoch <= 3; ++epoch) {
            amounts[0] += bound(increments[epoch - 1], 0, 300_000e6);
            bytes32[] memory leaves = TestMerkle.leaves(accounts, amounts);
            _proposeAndFinalize(epoch, TestMerkle.root(leaves), amounts[0] + amounts[1]);
            bool last = epoch == 3;
            if ((last || (mask >> epoch) & 1 == 1) && amounts[0] > distributor.claimed(alice)) {
                uint256 before = usd.balanceOf(alice);
                uint256 paid = distributor.claim(alice, amounts[0], TestMerkle.proof(leaves, 0));
                assertEq(usd.balanceOf(alice) - before, paid);
                received += paid;
                vm.warp(block.timestamp + OUTFLOW_WINDOW); // let the breaker recover
            }
            assertLe(received, amounts[0]);
            assertEq(distributor.claimed(alice), received);
        }
        assertEq(received, amounts[0]);
        assertEq(usd.balanceOf(alice), amounts[0]);
    }

    /// @dev A root passes iff at least `threshold` distinct authorized signers signed it.
    function testFuzz_proposeRoot_quorum(uint256 threshold, uint256 count) public {
        threshold = bound(threshold, 1, 5);
        count = bound(count, 0, 5);
        vm.prank(admin);
        distributor.setThreshold(threshold);
        bytes32 root = keccak256(abi.encode(threshold, count));
        bytes[] memory sigs = _signatures(1, root, 1e6, count);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        if (count < threshold) {
            vm.expectRevert(
                abi.encodeWithSelector(IRewardsDistributor.InsufficientSignatures.selector, count, threshold)
            );
        }
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, 1e6, r, d, c, sigs);
        assertEq(distributor.latestEpoch(), count < threshold ? 0 : 1);
    }

    /// @dev Any sequence of additions and removals keeps `signerCount` and `isSigner` consistent, and a removed
    /// signer's signature is rejected.
    function testFuzz_signerSet_addRemove(uint8 additions, uint256 removalSeed) public {
        uint256 n = bound(additions, 1, 20);
        address[] memory added = new address[](n);
        uint256[] memory keys = new uint256[](n);
        vm.startPrank(admin);
        for (uint256 i; i < n; ++i) {
            (added[i], keys[i]) = makeAddrAndKey(string.concat("extra-", vm.toString(i)));
            distributor.addSigner(added[i]);
        }
        uint256 count = 5 + n;
        uint256 removedIndex = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            if ((removalSeed >> i) & 1 == 1) {
                distributor.removeSigner(added[i]);
                --count;
                removedIndex = i;
            }
        }
        vm.stopPrank();
        assertEq(distributor.signerCount(), count);
        for (uint256 i; i < n; ++i) {
            assertEq(distributor.isSigner(added[i]), (removalSeed >> i) & 1 == 0);
        }
        if (removedIndex != type(uint256).max) {
            bytes32 root = bytes32(uint256(1));
            bytes[] memory sigs = _signatures(1, root, 1e6, 3);
            sigs[2] = _sign(keys[removedIndex], _digest(1, root, 1e6));
            (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
            vm.expectRevert(
                abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, added[removedIndex])
            );
            vm.prank(proposer);
            distributor.proposeRoot(1, 1, root, 1e6, r, d, c, sigs);
        }
    }

    /// @dev A guardian can veto strictly before `validAt`; anyone can finalize from `validAt` on.
    function testFuzz_disputeWindow_vetoBeforeFinalizeAfter(uint256 window, uint256 elapsed) public {
        window = bound(window, 1 hours, 30 days);
        elapsed = bound(elapsed, 0, 60 days);
        vm.prank(admin);
        distributor.setDisputeWindow(window);
        _propose(1, bytes32(uint256(1)), 1e6);
        uint64 validAt = uint64(block.timestamp + window);
        vm.warp(block.timestamp + elapsed);
        if (elapsed < window) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.DisputeWindowActive.selector, 1, validAt));
            distributor.finalize(1);
            vm.prank(guardian);
            distributor.veto(1, "in time");
        } else {
            vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.DisputeWindowElapsed.selector, 1, validAt));
            vm.prank(guardian);
            distributor.veto(1, "late");
            distributor.finalize(1);
            assertEq(distributor.finalizedEpoch(), 1);
        }
    }

    /// @dev The breaker matches a reference model of Helium's linearly decaying window.
    function testFuzz_breaker_matchesReferenceModel(
        uint256 limit,
        uint256[6] memory amounts,
        uint256[6] memory gaps
    ) public {
        limit = bound(limit, 1e6, 1_000e6);
        uint256 window = 1 hours;
        vm.prank(admin);
        distributor.setOutflowLimit(limit, window);
        address[] memory accounts = new address[](6);
        uint256[] memory amts = new uint256[](6);
        uint256 total;
        for (uint256 i; i < 6; ++i) {
            accounts[i] = makeAddr(string.concat("breaker-", vm.toString(i)));
            amts[i] = bound(amounts[i], 1, 2 * limit);
            total += amts[i];
        }
        bytes32[] memory leaves = TestMerkle.leaves(accounts, amts);
        _proposeAndFinalize(1, TestMerkle.root(leaves), total);
        for (uint256 i; i < 6; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 2 * window));
            _breakerStep(accounts[i], amts[i], TestMerkle.proof(leaves, i), limit, window);
        }
    }

    uint256 internal modelOutflow;
    uint256 internal modelUpdatedAt;

    function _breakerStep(
        address account,
        uint256 amount,
        bytes32[] memory proof,
        uint256 limit,
        uint256 window
    ) internal {
        uint256 elapsed = block.timestamp - modelUpdatedAt;
        uint256 decayed = elapsed >= window ? 0 : (modelOutflow * (window - elapsed) + window - 1) / window;
        uint256 available = limit > decayed ? limit - decayed : 0;
        assertEq(distributor.availableOutflow(), available);
        if (available == 0) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.OutflowLimitExceeded.selector, amount, 0));
            distributor.claim(account, amount, proof);
        } else {
            // Above the headroom: pays the headroom, the rest stays claimable (claimed is a running sum).
            uint256 paid = amount < available ? amount : available;
            assertEq(distributor.claim(account, amount, proof), paid);
            assertEq(distributor.claimed(account), paid);
            modelOutflow = decayed + paid;
            modelUpdatedAt = block.timestamp;
        }
        (, , uint256 inWindow, ) = distributor.outflowState();
        assertEq(inWindow, modelOutflow);
        assertLe(inWindow, limit);
    }

    /// @dev Only `netFunded - committedTotal` can be withdrawn, whatever the amounts.
    function testFuzz_withdrawExcess_onlyTheExcess(uint256 total, uint256 amount, bool finalize) public {
        total = bound(total, 0, FUNDING);
        amount = bound(amount, 1, 2 * FUNDING);
        _propose(1, bytes32(uint256(1)), total);
        if (finalize) {
            vm.warp(block.timestamp + DISPUTE_WINDOW);
            distributor.finalize(1);
        }
        uint256 excess = FUNDING - total;
        assertEq(distributor.excess(), excess);
        if (amount > excess) {
            vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientExcess.selector, amount, excess));
        }
        vm.prank(admin);
        distributor.withdrawExcess(carol, amount);
        assertGe(distributor.netFunded(), distributor.committedTotal());
    }

    /// @dev The relayer takes at most the authorized fee and the recipient gets the rest.
    function testFuzz_claimWithSig_feeSplit(uint256 amount, uint256 maxFee, uint256 fee) public {
        amount = bound(amount, 1, 500_000e6);
        maxFee = bound(maxFee, 0, amount);
        fee = bound(fee, 0, maxFee);
        address[] memory accounts = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        accounts[0] = alice;
        amounts[0] = amount;
        _proposeAndFinalize(1, TestMerkle.root(TestMerkle.leaves(accounts, amounts)), amount);
        IRewardsDistributor.ClaimAuthorization memory a = IRewardsDistributor.ClaimAuthorization({
            account: alice,
            recipient: carol,
            relayer: address(0),
            maxRelayerFee: maxFee,
            nonce: 0,
            deadline: block.timestamp
        });
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        vm.prank(relayer);
        distributor.claimWithSig(a, amount, new bytes32[](0), fee, sig);
        assertEq(usd.balanceOf(relayer), fee);
        assertEq(usd.balanceOf(carol), amount - fee);
        assertEq(distributor.nonces(alice), 1);
    }
}
