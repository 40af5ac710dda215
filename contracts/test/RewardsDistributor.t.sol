// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {RewardsDistributor} from "../RewardsDistributor.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {RewardsDistributorBase, TestMerkle} from "./RewardsDistributorBase.t.sol";

/// @dev A token whose transfer calls back into the distributor (reentrancy test).
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;

    constructor() ERC20("Reentrant", "RE") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target != address(0) && from == target) {
            (bool ok, bytes memory ret) = target.call(payload);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}

/// @dev A token that burns 1% on transfer (fund counts what it received).
contract FeeToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @dev An ERC-1271 smart account owned by an EOA.
contract SmartAccount {
    address public immutable OWNER;

    constructor(address owner) {
        OWNER = owner;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return ECDSA.recoverCalldata(hash, signature) == OWNER ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

contract RewardsDistributorTest is RewardsDistributorBase {
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
    event RootVetoed(uint64 indexed epoch, address indexed guardian, string reason);
    event RootFinalized(uint64 indexed epoch, uint256 cumulativeTotal);
    event Claimed(address indexed account, address recipient, uint256 amount, uint256 cumulativeClaimed, uint64 epoch);
    event ClaimAuthorizationUsed(address indexed account, uint256 nonce, address indexed relayer, uint256 relayerFee);
    event Funded(address indexed from, uint256 amount, uint256 netFunded);
    event ExcessWithdrawn(address indexed to, uint256 amount, uint256 netFunded);
    event SignerAdded(address indexed signer);
    event SignerRemoved(address indexed signer);
    event ThresholdChanged(uint256 previousThreshold, uint256 newThreshold);
    event DisputeWindowChanged(uint256 previousWindowSeconds, uint256 newWindowSeconds);
    event OutflowLimitChanged(uint256 maxOutflowPerWindow, uint256 windowSeconds);
    event ClaimLimited(address indexed account, uint256 due, uint256 paid);
    event Paused(address account);
    event Unpaused(address account);

    uint256 internal constant BASE = 100e6; // alice 100 USD, bob 200, carol 300, dave 400 in epoch 1

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    function test_constructor_setsState() public view {
        assertEq(distributor.TOKEN(), address(usd));
        assertEq(distributor.defaultAdmin(), admin);
        assertEq(distributor.defaultAdminDelay(), ADMIN_DELAY);
        assertEq(distributor.signerCount(), 5);
        for (uint256 i; i < 5; ++i) {
            assertTrue(distributor.isSigner(signerAddrs[i]));
        }
        assertEq(distributor.threshold(), THRESHOLD);
        assertEq(distributor.disputeWindow(), DISPUTE_WINDOW);
        (uint256 limit, uint256 window, uint256 inWindow, uint256 updatedAt) = distributor.outflowState();
        assertEq(limit, OUTFLOW_LIMIT);
        assertEq(window, OUTFLOW_WINDOW);
        assertEq(inWindow, 0);
        assertEq(updatedAt, 0);
        assertEq(distributor.netFunded(), FUNDING);
        assertEq(distributor.latestEpoch(), 0);
        assertEq(distributor.finalizedEpoch(), 0);
        assertEq(distributor.finalizedRoot(), bytes32(0));
        assertFalse(distributor.paused());
        assertTrue(distributor.hasRole(distributor.PROPOSER_ROLE(), proposer));
        assertTrue(distributor.hasRole(distributor.GUARDIAN_ROLE(), guardian));
        assertTrue(distributor.hasRole(distributor.PAUSER_ROLE(), pauser));
    }

    function test_constructor_domainMatchesEip712() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract, , ) = distributor
            .eip712Domain();
        assertEq(name, "StreamrP2P RewardsDistributor");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifyingContract, address(distributor));
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("StreamrP2P RewardsDistributor"),
                keccak256("1"),
                block.chainid,
                address(distributor)
            )
        );
        assertEq(distributor.DOMAIN_SEPARATOR(), expected);
    }

    function test_constructor_revertsIfTokenZero() public {
        vm.expectRevert(IRewardsDistributor.ZeroAddress.selector);
        new RewardsDistributor(IERC20(address(0)), admin, ADMIN_DELAY, signerAddrs, 3, 1 days, 1, 1);
    }

    function test_constructor_revertsIfAdminZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector,
                address(0)
            )
        );
        new RewardsDistributor(IERC20(address(usd)), address(0), ADMIN_DELAY, signerAddrs, 3, 1 days, 1, 1);
    }

    function test_constructor_revertsIfThresholdZero() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidThreshold.selector, 0, 5));
        new RewardsDistributor(IERC20(address(usd)), admin, ADMIN_DELAY, signerAddrs, 0, 1 days, 1, 1);
    }

    function test_constructor_revertsIfThresholdAboveSigners() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidThreshold.selector, 6, 5));
        new RewardsDistributor(IERC20(address(usd)), admin, ADMIN_DELAY, signerAddrs, 6, 1 days, 1, 1);
    }

    function test_constructor_revertsIfSignerDuplicated() public {
        address[] memory signers = new address[](2);
        signers[0] = alice;
        signers[1] = alice;
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.SignerAlreadyAuthorized.selector, alice));
        new RewardsDistributor(IERC20(address(usd)), admin, ADMIN_DELAY, signers, 1, 1 days, 1, 1);
    }

    function test_constructor_revertsIfSignerZero() public {
        address[] memory signers = new address[](1);
        vm.expectRevert(IRewardsDistributor.ZeroAddress.selector);
        new RewardsDistributor(IERC20(address(usd)), admin, ADMIN_DELAY, signers, 1, 1 days, 1, 1);
    }

    function test_constructor_revertsIfDisputeWindowTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.InvalidDisputeWindow.selector, 31 days, 1 hours, 30 days)
        );
        new RewardsDistributor(IERC20(address(usd)), admin, ADMIN_DELAY, signerAddrs, 3, 31 days, 1, 1);
    }

    /*//////////////////////////////////////////////////////////////
                              PROPOSE ROOT
    //////////////////////////////////////////////////////////////*/

    function test_proposeRoot_storesPendingRecordAndEmits() public {
        (bytes32 root, , , ) = _tree(BASE);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        bytes[] memory sigs = _signatures(1, root, 10 * BASE, 3);
        address[] memory expectedSigners = new address[](3);
        for (uint256 i; i < 3; ++i) {
            expectedSigners[i] = signerAddrs[i];
        }
        uint64 validAt = uint64(block.timestamp + DISPUTE_WINDOW);
        vm.expectEmit(address(distributor));
        emit RootProposed(1, 1, root, 10 * BASE, r, d, c, validAt, expectedSigners);
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, 10 * BASE, r, d, c, sigs);

        IRewardsDistributor.EpochRecord memory rec = distributor.epochRecord(1);
        assertEq(rec.root, root);
        assertEq(rec.cumulativeTotal, 10 * BASE);
        assertEq(rec.validAt, validAt);
        assertEq(uint8(rec.status), uint8(IRewardsDistributor.EpochStatus.Pending));
        assertEq(distributor.latestEpoch(), 1);
        assertEq(distributor.finalizedEpoch(), 0);
        assertEq(distributor.committedTotal(), 10 * BASE);
    }

    function test_proposeRoot_acceptsMoreSignaturesThanThreshold() public {
        (bytes32 root, , , ) = _tree(BASE);
        _proposeWith(1, root, 10 * BASE, _signatures(1, root, 10 * BASE, 5));
        assertEq(distributor.latestEpoch(), 1);
    }

    function test_proposeRoot_acceptsSignaturesInAnyOrder() public {
        (bytes32 root, , , ) = _tree(BASE);
        bytes32 digest = _digest(1, root, 10 * BASE);
        bytes[] memory sigs = new bytes[](3);
        sigs[0] = _sign(signerKeys[4], digest);
        sigs[1] = _sign(signerKeys[1], digest);
        sigs[2] = _sign(signerKeys[3], digest);
        _proposeWith(1, root, 10 * BASE, sigs);
        assertEq(distributor.latestEpoch(), 1);
    }

    function test_proposeRoot_revertsIfNotProposer() public {
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                distributor.PROPOSER_ROLE()
            )
        );
        vm.prank(stranger);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfPaused() public {
        vm.prank(pauser);
        distributor.pause();
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfEpochZero() public {
        bytes[] memory sigs = _signatures(0, bytes32(uint256(1)), BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NonConsecutiveEpoch.selector, 1, 0));
        vm.prank(proposer);
        distributor.proposeRoot(0, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfEpochSkipped() public {
        _publish(1, BASE);
        bytes[] memory sigs = _signatures(3, bytes32(uint256(1)), 10 * BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(3);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NonConsecutiveEpoch.selector, 2, 3));
        vm.prank(proposer);
        distributor.proposeRoot(3, 1, bytes32(uint256(1)), 10 * BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfEpochRepeated() public {
        _publish(1, BASE);
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), 10 * BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NonConsecutiveEpoch.selector, 2, 1));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), 10 * BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfPendingRootExists() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        bytes[] memory sigs = _signatures(2, root, 10 * BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(2);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.PendingRootExists.selector, 1));
        vm.prank(proposer);
        distributor.proposeRoot(2, 1, root, 10 * BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfTotalDecreases() public {
        _publish(1, BASE);
        bytes[] memory sigs = _signatures(2, bytes32(uint256(2)), 10 * BASE - 1, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(2);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.CumulativeTotalDecreased.selector, 10 * BASE, 10 * BASE - 1)
        );
        vm.prank(proposer);
        distributor.proposeRoot(2, 1, bytes32(uint256(2)), 10 * BASE - 1, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfInsufficientFunding() public {
        uint256 total = FUNDING + 1;
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), total, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientFunding.selector, total, FUNDING));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), total, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfBelowThreshold() public {
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 2);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientSignatures.selector, 2, 3));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfDuplicateSigner() public {
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        sigs[2] = sigs[0];
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.DuplicateSigner.selector, signerAddrs[0]));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfUnauthorizedSigner() public {
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        sigs[1] = _sign(aliceKey, _digest(1, bytes32(uint256(1)), BASE));
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, alice));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfSignedForAnotherChain() public {
        bytes32 root = bytes32(uint256(1));
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        bytes32 structHash = keccak256(abi.encode(EPOCH_ROOT_TYPEHASH, uint64(1), uint64(1), root, BASE, r, d, c));
        bytes32 otherDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("StreamrP2P RewardsDistributor"),
                keccak256("1"),
                block.chainid + 1,
                address(distributor)
            )
        );
        _expectForeignDigestRejected(MessageHashUtils.toTypedDataHash(otherDomain, structHash), root, r, d, c);
    }

    function test_proposeRoot_revertsIfSignedForAnotherContract() public {
        bytes32 root = bytes32(uint256(1));
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        bytes32 structHash = keccak256(abi.encode(EPOCH_ROOT_TYPEHASH, uint64(1), uint64(1), root, BASE, r, d, c));
        bytes32 otherDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("StreamrP2P RewardsDistributor"),
                keccak256("1"),
                block.chainid,
                address(0xBEEF)
            )
        );
        _expectForeignDigestRejected(MessageHashUtils.toTypedDataHash(otherDomain, structHash), root, r, d, c);
    }

    function _expectForeignDigestRejected(bytes32 foreign, bytes32 root, bytes32 r, bytes32 d, bytes32 c) internal {
        bytes[] memory sigs = _signatures(1, root, BASE, 3);
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(signerKeys[0], foreign);
        sigs[0] = abi.encodePacked(sr, ss, v);
        // Over the real digest, the foreign signature recovers to some unrelated address.
        address recovered = ecrecover(_digest(1, root, BASE), v, sr, ss);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, recovered));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfHighS() public {
        bytes32 root = bytes32(uint256(1));
        (uint8 v, bytes32 sr, bytes32 ss) = vm.sign(signerKeys[0], _digest(1, root, BASE));
        bytes32 highS = bytes32(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - uint256(ss));
        bytes[] memory sigs = _signatures(1, root, BASE, 3);
        sigs[0] = abi.encodePacked(sr, highS, v == 27 ? uint8(28) : uint8(27));
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, highS));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfSignatureLengthInvalid() public {
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        sigs[0] = new bytes(64);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureLength.selector, 64));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_proposeRoot_revertsIfCommitmentTampered() public {
        bytes32 root = bytes32(uint256(1));
        bytes[] memory sigs = _signatures(1, root, BASE, 3);
        (bytes32 r, , bytes32 c) = _commitments(1);
        bytes32 tampered = keccak256("other dataset");
        address recovered = ECDSA.recover(
            distributor.epochRootDigest(1, distributor.proposalAttempt(1), root, BASE, r, tampered, c),
            sigs[0]
        );
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, recovered));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, BASE, r, tampered, c, sigs);
    }

    function test_proposeRoot_afterVeto_reproposesSameEpoch() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        vm.prank(guardian);
        distributor.veto(1, "bad dataset");
        (bytes32 root2, , , ) = _tree(BASE / 2);
        _propose(1, root2, 5 * BASE);
        IRewardsDistributor.EpochRecord memory rec = distributor.epochRecord(1);
        assertEq(rec.root, root2);
        assertEq(uint8(rec.status), uint8(IRewardsDistributor.EpochStatus.Pending));
        assertEq(distributor.committedTotal(), 5 * BASE);
    }

    /*//////////////////////////////////////////////////////////////
                                  VETO
    //////////////////////////////////////////////////////////////*/

    function test_veto_marksVetoedRollsBackAndEmits() public {
        _publish(1, BASE);
        (bytes32 root2, , , ) = _tree(2 * BASE);
        _propose(2, root2, 20 * BASE);
        assertEq(distributor.excess(), FUNDING - 20 * BASE);
        vm.expectEmit(address(distributor));
        emit RootVetoed(2, guardian, "dataset mismatch");
        vm.prank(guardian);
        distributor.veto(2, "dataset mismatch");
        assertEq(uint8(distributor.epochRecord(2).status), uint8(IRewardsDistributor.EpochStatus.Vetoed));
        assertEq(distributor.latestEpoch(), 1);
        assertEq(distributor.committedTotal(), 10 * BASE);
        assertEq(distributor.excess(), FUNDING - 10 * BASE);
    }

    function test_veto_revertsIfNotGuardian() public {
        _propose(1, bytes32(uint256(1)), BASE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                distributor.GUARDIAN_ROLE()
            )
        );
        vm.prank(stranger);
        distributor.veto(1, "no");
    }

    function test_veto_revertsIfEpochUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.None
            )
        );
        vm.prank(guardian);
        distributor.veto(1, "no");
    }

    function test_veto_revertsIfFinalized() public {
        _publish(1, BASE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.Finalized
            )
        );
        vm.prank(guardian);
        distributor.veto(1, "late");
    }

    function test_veto_revertsIfAlreadyVetoed() public {
        _propose(1, bytes32(uint256(1)), BASE);
        vm.prank(guardian);
        distributor.veto(1, "once");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.Vetoed
            )
        );
        vm.prank(guardian);
        distributor.veto(1, "twice");
    }

    function test_veto_revertsIfWindowElapsed() public {
        _propose(1, bytes32(uint256(1)), BASE);
        uint64 validAt = distributor.epochRecord(1).validAt;
        vm.warp(validAt);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.DisputeWindowElapsed.selector, 1, validAt));
        vm.prank(guardian);
        distributor.veto(1, "late");
    }

    function test_veto_worksWhilePausedEvenAfterWindow() public {
        _propose(1, bytes32(uint256(1)), BASE);
        vm.prank(pauser);
        distributor.pause();
        vm.warp(block.timestamp + 10 * DISPUTE_WINDOW);
        vm.prank(guardian);
        distributor.veto(1, "found during pause");
        assertEq(uint8(distributor.epochRecord(1).status), uint8(IRewardsDistributor.EpochStatus.Vetoed));
        assertEq(distributor.latestEpoch(), 0);
        assertEq(distributor.committedTotal(), 0);
    }

    /*//////////////////////////////////////////////////////////////
                                FINALIZE
    //////////////////////////////////////////////////////////////*/

    function test_finalize_byAnyoneAfterWindow() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        vm.expectEmit(address(distributor));
        emit RootFinalized(1, 10 * BASE);
        vm.prank(stranger);
        distributor.finalize(1);
        assertEq(uint8(distributor.epochRecord(1).status), uint8(IRewardsDistributor.EpochStatus.Finalized));
        assertEq(distributor.finalizedEpoch(), 1);
        assertEq(distributor.finalizedRoot(), root);
        assertEq(distributor.latestEpoch(), 1);
    }

    function test_finalize_revertsIfWindowActive() public {
        _propose(1, bytes32(uint256(1)), BASE);
        uint64 validAt = distributor.epochRecord(1).validAt;
        vm.warp(validAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.DisputeWindowActive.selector, 1, validAt));
        distributor.finalize(1);
    }

    function test_finalize_revertsIfNotPending() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.None
            )
        );
        distributor.finalize(1);
        _publish(1, BASE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.Finalized
            )
        );
        distributor.finalize(1);
    }

    function test_finalize_revertsIfVetoed() public {
        _propose(1, bytes32(uint256(1)), BASE);
        vm.prank(guardian);
        distributor.veto(1, "no");
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsDistributor.EpochNotPending.selector,
                1,
                IRewardsDistributor.EpochStatus.Vetoed
            )
        );
        distributor.finalize(1);
    }

    function test_finalize_revertsIfPaused() public {
        _propose(1, bytes32(uint256(1)), BASE);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        vm.prank(pauser);
        distributor.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        distributor.finalize(1);
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_claim_paysAccountAndEmits() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 1);
        vm.expectEmit(address(distributor));
        emit Claimed(bob, bob, 2 * BASE, 2 * BASE, 1);
        vm.prank(stranger); // anyone may claim on the account's behalf
        uint256 amount = distributor.claim(bob, 2 * BASE, proof);
        assertEq(amount, 2 * BASE);
        assertEq(usd.balanceOf(bob), 2 * BASE);
        assertEq(usd.balanceOf(stranger), 0);
        assertEq(distributor.claimed(bob), 2 * BASE);
    }

    function test_claim_cumulativePaysOnlyTheDifference() public {
        (, bytes32[] memory leaves1) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves1, 0));
        (, bytes32[] memory leaves2) = _publish(2, 3 * BASE);
        vm.expectEmit(address(distributor));
        emit Claimed(alice, alice, 2 * BASE, 3 * BASE, 2);
        uint256 amount = distributor.claim(alice, 3 * BASE, TestMerkle.proof(leaves2, 0));
        assertEq(amount, 2 * BASE);
        assertEq(usd.balanceOf(alice), 3 * BASE);
        assertEq(distributor.claimed(alice), 3 * BASE);
    }

    function test_claim_collectsSeveralEpochsInOneClaim() public {
        _publish(1, BASE);
        _publish(2, 2 * BASE);
        (, bytes32[] memory leaves3) = _publish(3, 3 * BASE);
        distributor.claim(dave, 12 * BASE, TestMerkle.proof(leaves3, 3));
        assertEq(usd.balanceOf(dave), 12 * BASE);
    }

    function test_claim_revertsIfProofInvalid() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        proof[0] = bytes32(uint256(proof[0]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, alice, BASE));
        distributor.claim(alice, BASE, proof);
    }

    function test_claim_revertsIfProofForAnotherAccount() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0); // alice's
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, stranger, BASE));
        distributor.claim(stranger, BASE, proof);
    }

    function test_claim_revertsIfProofForAnotherAmount() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, alice, BASE + 1));
        distributor.claim(alice, BASE + 1, proof);
    }

    function test_claim_revertsIfClaimedTwice() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        distributor.claim(alice, BASE, proof);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NothingToClaim.selector, alice, BASE, BASE));
        distributor.claim(alice, BASE, proof);
    }

    function test_claim_revertsIfPaused() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        vm.prank(pauser);
        distributor.pause();
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        distributor.claim(alice, BASE, proof);
    }

    function test_claim_revertsIfNoFinalizedRoot() public {
        (bytes32 root, bytes32[] memory leaves, , ) = _tree(BASE);
        _propose(1, root, 10 * BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(IRewardsDistributor.NoFinalizedRoot.selector);
        distributor.claim(alice, BASE, proof);
    }

    function test_claim_revertsIfOnlyInPendingRoot() public {
        _publish(1, BASE);
        (bytes32 root2, bytes32[] memory leaves2, , ) = _tree(2 * BASE);
        _propose(2, root2, 20 * BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves2, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, alice, 2 * BASE));
        distributor.claim(alice, 2 * BASE, proof);
    }

    function test_claim_revertsIfOnlyInVetoedRoot() public {
        _publish(1, BASE);
        (bytes32 root2, bytes32[] memory leaves2, , ) = _tree(2 * BASE);
        _propose(2, root2, 20 * BASE);
        vm.prank(guardian);
        distributor.veto(2, "bad");
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        bytes32[] memory proof = TestMerkle.proof(leaves2, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, alice, 2 * BASE));
        distributor.claim(alice, 2 * BASE, proof);
    }

    function test_claim_paysWhatTheBreakerAllowsAndKeepsTheRestClaimable() public {
        RewardsDistributor d = _deploy(signerAddrs, 3, DISPUTE_WINDOW, 250e6, 1 days);
        distributor = d;
        _fund(FUNDING);
        (, bytes32[] memory leaves) = _publish(1, BASE); // alice 100, bob 200, carol 300
        distributor.claim(alice, BASE, TestMerkle.proof(leaves, 0));
        bytes32[] memory proof = TestMerkle.proof(leaves, 1);
        // 150 left in the window: bob gets 150 now, 50 stays claimable.
        vm.expectEmit(address(distributor));
        emit ClaimLimited(bob, 2 * BASE, 150e6);
        vm.expectEmit(address(distributor));
        emit Claimed(bob, bob, 150e6, 150e6, 1);
        assertEq(distributor.claim(bob, 2 * BASE, proof), 150e6);
        assertEq(distributor.claimed(bob), 150e6);
        assertEq(distributor.availableOutflow(), 0);
        // Half a window later, half of the 250 has decayed: 125 available, bob's last 50 paid in full.
        vm.warp(block.timestamp + 12 hours);
        assertEq(distributor.availableOutflow(), 125e6);
        assertEq(distributor.claim(bob, 2 * BASE, proof), 50e6);
        assertEq(distributor.claimed(bob), 2 * BASE);
        assertEq(usd.balanceOf(bob), 2 * BASE);
        (, , uint256 inWindow, uint256 updatedAt) = distributor.outflowState();
        assertEq(inWindow, 175e6);
        assertEq(updatedAt, block.timestamp);
        // A claim when nothing is left in the window reverts, writing nothing.
        vm.prank(admin);
        distributor.setOutflowLimit(175e6, 1 days);
        bytes32[] memory carolProof = TestMerkle.proof(leaves, 2);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.OutflowLimitExceeded.selector, 3 * BASE, 0));
        distributor.claim(carol, 3 * BASE, carolProof);
        vm.warp(block.timestamp + 1 days);
        assertEq(distributor.availableOutflow(), 175e6);
    }

    /// @dev F6: an account owed more than the whole breaker limit is paid in instalments, never stranded.
    function test_claim_accountOwedMoreThanTheLimitIsPaidInInstalments() public {
        RewardsDistributor d = _deploy(signerAddrs, 3, DISPUTE_WINDOW, BASE, 1 days);
        distributor = d;
        _fund(FUNDING);
        (, bytes32[] memory leaves) = _publish(1, BASE); // dave 400 > limit 100
        bytes32[] memory proof = TestMerkle.proof(leaves, 3);
        for (uint256 i = 1; i <= 4; ++i) {
            assertEq(distributor.claim(dave, 4 * BASE, proof), BASE);
            assertEq(distributor.claimed(dave), i * BASE);
            vm.warp(block.timestamp + 1 days);
        }
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NothingToClaim.selector, dave, 4 * BASE, 4 * BASE));
        distributor.claim(dave, 4 * BASE, proof);
        assertEq(usd.balanceOf(dave), 4 * BASE);
    }

    function test_claim_breakerOffWhenWindowZero() public {
        vm.prank(admin);
        distributor.setOutflowLimit(0, 0);
        assertEq(distributor.availableOutflow(), type(uint256).max);
        (, bytes32[] memory leaves) = _publish(1, BASE);
        distributor.claim(dave, 4 * BASE, TestMerkle.proof(leaves, 3));
        (, , uint256 inWindow, ) = distributor.outflowState();
        assertEq(inWindow, 0);
    }

    function test_claim_breakerCapsLoweredLimit() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        distributor.claim(dave, 4 * BASE, TestMerkle.proof(leaves, 3));
        vm.prank(admin);
        distributor.setOutflowLimit(BASE, 1 days); // below what is already in the window
        assertEq(distributor.availableOutflow(), 0);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.OutflowLimitExceeded.selector, BASE, 0));
        distributor.claim(alice, BASE, proof);
    }

    function test_claim_revertsOnReentrancy() public {
        ReentrantToken token = new ReentrantToken();
        RewardsDistributor d = new RewardsDistributor(
            IERC20(address(token)),
            admin,
            ADMIN_DELAY,
            signerAddrs,
            3,
            DISPUTE_WINDOW,
            OUTFLOW_LIMIT,
            OUTFLOW_WINDOW
        );
        bytes32 proposerRole = d.PROPOSER_ROLE();
        vm.prank(admin);
        d.grantRole(proposerRole, proposer);
        token.mint(address(this), FUNDING);
        token.approve(address(d), FUNDING);
        d.fund(FUNDING);
        distributor = d;
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory bobProof = TestMerkle.proof(leaves, 1);
        token.arm(address(d), abi.encodeCall(IRewardsDistributor.claim, (bob, 2 * BASE, bobProof)));
        bytes32[] memory aliceProof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        d.claim(alice, BASE, aliceProof);
    }

    function test_claimWithRoot_paysIfRootMatches() public {
        (bytes32 root, bytes32[] memory leaves) = _publish(1, BASE);
        uint256 amount = distributor.claimWithRoot(carol, 3 * BASE, TestMerkle.proof(leaves, 2), root);
        assertEq(amount, 3 * BASE);
        assertEq(usd.balanceOf(carol), 3 * BASE);
    }

    function test_claimWithRoot_revertsIfRootMismatch() public {
        (bytes32 root1, bytes32[] memory leaves1) = _publish(1, BASE);
        (bytes32 root2, ) = _publish(2, 2 * BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves1, 2);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.RootMismatch.selector, root1, root2));
        distributor.claimWithRoot(carol, 3 * BASE, proof, root1);
    }

    /*//////////////////////////////////////////////////////////////
                               CLAIM MANY
    //////////////////////////////////////////////////////////////*/

    function _batch(
        bytes32[] memory leaves,
        uint256 base
    ) internal view returns (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) {
        (, , accounts, amounts) = _tree(base);
        proofs = new bytes32[][](4);
        for (uint256 i; i < 4; ++i) {
            proofs[i] = TestMerkle.proof(leaves, i);
        }
    }

    function test_claimMany_paysEveryAccount() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) = _batch(leaves, BASE);
        vm.expectEmit(address(distributor));
        emit Claimed(alice, alice, BASE, BASE, 1);
        uint256 total = distributor.claimMany(accounts, amounts, proofs);
        assertEq(total, 10 * BASE);
        for (uint256 i; i < 4; ++i) {
            assertEq(usd.balanceOf(accounts[i]), amounts[i]);
            assertEq(distributor.claimed(accounts[i]), amounts[i]);
        }
        (, , uint256 inWindow, ) = distributor.outflowState();
        assertEq(inWindow, 10 * BASE);
    }

    function test_claimMany_skipsAccountsWithNothingToClaim() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        distributor.claim(bob, 2 * BASE, TestMerkle.proof(leaves, 1));
        (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) = _batch(leaves, BASE);
        uint256 total = distributor.claimMany(accounts, amounts, proofs);
        assertEq(total, 8 * BASE);
        assertEq(usd.balanceOf(bob), 2 * BASE);
    }

    function test_claimMany_revertsIfLengthMismatch() public {
        _publish(1, BASE);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.ArrayLengthMismatch.selector, 2, 1, 2));
        distributor.claimMany(new address[](2), new uint256[](1), new bytes32[][](2));
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.ArrayLengthMismatch.selector, 2, 2, 3));
        distributor.claimMany(new address[](2), new uint256[](2), new bytes32[][](3));
    }

    function test_claimMany_revertsIfAnyProofInvalid() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) = _batch(leaves, BASE);
        amounts[3] += 1;
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidProof.selector, dave, 4 * BASE + 1));
        distributor.claimMany(accounts, amounts, proofs);
    }

    function test_claimMany_sharesTheBreakerHeadroomInOrder() public {
        vm.prank(admin);
        distributor.setOutflowLimit(5 * BASE, 1 days);
        (, bytes32[] memory leaves) = _publish(1, BASE);
        (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) = _batch(leaves, BASE);
        // alice 1 + bob 2 in full, carol 2 of 3, dave 0 of 4.
        vm.expectEmit(address(distributor));
        emit Claimed(alice, alice, BASE, BASE, 1);
        vm.expectEmit(address(distributor));
        emit Claimed(bob, bob, 2 * BASE, 2 * BASE, 1);
        vm.expectEmit(address(distributor));
        emit ClaimLimited(carol, 3 * BASE, 2 * BASE);
        vm.expectEmit(address(distributor));
        emit Claimed(carol, carol, 2 * BASE, 2 * BASE, 1);
        vm.expectEmit(address(distributor));
        emit ClaimLimited(dave, 4 * BASE, 0);
        assertEq(distributor.claimMany(accounts, amounts, proofs), 5 * BASE);
        assertEq(distributor.claimed(carol), 2 * BASE);
        assertEq(distributor.claimed(dave), 0);
        assertEq(usd.balanceOf(carol), 2 * BASE);
        assertEq(distributor.availableOutflow(), 0);
    }

    /// @dev F7: an empty batch writes no breaker state (it cannot keep the accumulator from decaying).
    function test_claimMany_emptyBatchWritesNothing() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        distributor.claim(alice, BASE, TestMerkle.proof(leaves, 0));
        (, , uint256 inWindowBefore, uint256 updatedBefore) = distributor.outflowState();
        vm.warp(block.timestamp + 1 hours);
        vm.record();
        assertEq(distributor.claimMany(new address[](0), new uint256[](0), new bytes32[][](0)), 0);
        (, bytes32[] memory writes) = vm.accesses(address(distributor));
        assertEq(writes.length, 0);
        (, , uint256 inWindow, uint256 updatedAt) = distributor.outflowState();
        assertEq(inWindow, inWindowBefore);
        assertEq(updatedAt, updatedBefore);
    }

    function test_claimMany_revertsIfPaused() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        (address[] memory accounts, uint256[] memory amounts, bytes32[][] memory proofs) = _batch(leaves, BASE);
        vm.prank(pauser);
        distributor.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        distributor.claimMany(accounts, amounts, proofs);
    }

    /*//////////////////////////////////////////////////////////////
                             CLAIM WITH SIG
    //////////////////////////////////////////////////////////////*/

    function _auth(
        address account,
        address recipient,
        uint256 maxFee,
        uint256 nonce,
        uint256 deadline
    ) internal pure returns (IRewardsDistributor.ClaimAuthorization memory) {
        return
            IRewardsDistributor.ClaimAuthorization({
                account: account,
                recipient: recipient,
                relayer: address(0),
                maxRelayerFee: maxFee,
                nonce: nonce,
                deadline: deadline
            });
    }

    function test_claimWithSig_paysRecipientAndRelayer() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, carol, 1e6, 0, block.timestamp + 1 hours);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        vm.expectEmit(address(distributor));
        emit Claimed(alice, carol, BASE, BASE, 1);
        vm.expectEmit(address(distributor));
        emit ClaimAuthorizationUsed(alice, 0, relayer, 0.5e6);
        vm.prank(relayer);
        uint256 amount = distributor.claimWithSig(a, BASE, TestMerkle.proof(leaves, 0), 0.5e6, sig);
        assertEq(amount, BASE);
        assertEq(usd.balanceOf(carol), BASE - 0.5e6);
        assertEq(usd.balanceOf(relayer), 0.5e6);
        assertEq(usd.balanceOf(alice), 0);
        assertEq(distributor.nonces(alice), 1);
        assertEq(distributor.claimed(alice), BASE);
    }

    function test_claimWithSig_withoutFee() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(bob, bob, 0, 0, block.timestamp);
        bytes memory sig = _sign(bobKey, _claimAuthDigest(a));
        vm.prank(relayer);
        distributor.claimWithSig(a, 2 * BASE, TestMerkle.proof(leaves, 1), 0, sig);
        assertEq(usd.balanceOf(bob), 2 * BASE);
        assertEq(usd.balanceOf(relayer), 0);
    }

    function test_claimWithSig_digestMatchesEip712() public view {
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, carol, 7, 3, 1234);
        bytes32 structHash = keccak256(abi.encode(CLAIM_AUTHORIZATION_TYPEHASH, alice, carol, address(0), 7, 3, 1234));
        assertEq(_claimAuthDigest(a), MessageHashUtils.toTypedDataHash(distributor.DOMAIN_SEPARATOR(), structHash));
        assertEq(distributor.CLAIM_AUTHORIZATION_TYPEHASH(), CLAIM_AUTHORIZATION_TYPEHASH);
        assertEq(distributor.EPOCH_ROOT_TYPEHASH(), EPOCH_ROOT_TYPEHASH);
    }

    function test_claimWithSig_supportsErc1271Accounts() public {
        SmartAccount wallet = new SmartAccount(alice);
        address[] memory accounts = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        accounts[0] = address(wallet);
        amounts[0] = BASE;
        bytes32[] memory leaves = TestMerkle.leaves(accounts, amounts);
        _proposeAndFinalize(1, TestMerkle.root(leaves), BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(address(wallet), carol, 0, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        distributor.claimWithSig(a, BASE, new bytes32[](0), 0, sig);
        assertEq(usd.balanceOf(carol), BASE);
    }

    function test_claimWithSig_revertsIfExpired() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, alice, 0, 0, block.timestamp - 1);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.ClaimAuthorizationExpired.selector, block.timestamp - 1)
        );
        distributor.claimWithSig(a, BASE, proof, 0, sig);
    }

    function test_claimWithSig_revertsIfReplayed() public {
        (, bytes32[] memory leaves1) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, carol, 0, 0, block.timestamp + 10 days);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        distributor.claimWithSig(a, BASE, TestMerkle.proof(leaves1, 0), 0, sig);
        (, bytes32[] memory leaves2) = _publish(2, 2 * BASE);
        bytes32[] memory proof2 = TestMerkle.proof(leaves2, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidNonce.selector, alice, 1, 0));
        distributor.claimWithSig(a, 2 * BASE, proof2, 0, sig);
    }

    function test_claimWithSig_revertsIfSignedByAnotherAccount() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, bob, 0, 0, block.timestamp);
        bytes memory sig = _sign(bobKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidClaimSignature.selector, alice));
        distributor.claimWithSig(a, BASE, proof, 0, sig);
    }

    function test_claimWithSig_revertsIfTermsChanged() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, alice, 0, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        a.recipient = relayer; // the relayer tries to redirect the payout
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidClaimSignature.selector, alice));
        distributor.claimWithSig(a, BASE, proof, 0, sig);
    }

    function test_claimWithSig_revertsIfFeeAboveMax() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, alice, 1e6, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.RelayerFeeTooHigh.selector, 1e6 + 1, 1e6));
        distributor.claimWithSig(a, BASE, proof, 1e6 + 1, sig);
    }

    function test_claimWithSig_revertsIfFeeAboveAmount() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, alice, type(uint256).max, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.RelayerFeeExceedsAmount.selector, BASE + 1, BASE));
        distributor.claimWithSig(a, BASE, proof, BASE + 1, sig);
    }

    function test_claimWithSig_revertsIfRecipientZero() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, address(0), 0, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        vm.expectRevert(IRewardsDistributor.ZeroAddress.selector);
        distributor.claimWithSig(a, BASE, proof, 0, sig);
    }

    function test_claimWithSig_revertsIfNothingToClaim() public {
        (, bytes32[] memory leaves) = _publish(1, BASE);
        bytes32[] memory proof = TestMerkle.proof(leaves, 0);
        distributor.claim(alice, BASE, proof);
        IRewardsDistributor.ClaimAuthorization memory a = _auth(alice, alice, 0, 0, block.timestamp);
        bytes memory sig = _sign(aliceKey, _claimAuthDigest(a));
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.NothingToClaim.selector, alice, BASE, BASE));
        distributor.claimWithSig(a, BASE, proof, 0, sig);
        assertEq(distributor.nonces(alice), 0); // the revert consumed nothing
    }

    /*//////////////////////////////////////////////////////////////
                           FUND AND WITHDRAW
    //////////////////////////////////////////////////////////////*/

    function test_fund_pullsTokensAndEmits() public {
        usd.mint(stranger, 5e6);
        vm.startPrank(stranger);
        usd.approve(address(distributor), 5e6);
        vm.expectEmit(address(distributor));
        emit Funded(stranger, 5e6, FUNDING + 5e6);
        distributor.fund(5e6);
        vm.stopPrank();
        assertEq(distributor.netFunded(), FUNDING + 5e6);
        assertEq(usd.balanceOf(address(distributor)), FUNDING + 5e6);
    }

    function test_fund_revertsIfZero() public {
        vm.expectRevert(IRewardsDistributor.ZeroAmount.selector);
        distributor.fund(0);
    }

    function test_fund_countsWhatWasReceived() public {
        FeeToken token = new FeeToken();
        RewardsDistributor d = new RewardsDistributor(
            IERC20(address(token)),
            admin,
            ADMIN_DELAY,
            signerAddrs,
            3,
            DISPUTE_WINDOW,
            OUTFLOW_LIMIT,
            OUTFLOW_WINDOW
        );
        token.mint(address(this), 100e6);
        token.approve(address(d), 100e6);
        d.fund(100e6);
        assertEq(d.netFunded(), 99e6);
    }

    function test_fund_revertsIfAboveUint64() public {
        uint256 huge = uint256(type(uint64).max);
        usd.mint(address(this), huge);
        usd.approve(address(distributor), huge);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 64, FUNDING + huge));
        distributor.fund(huge);
    }

    function test_withdrawExcess_sendsOnlyTheExcess() public {
        _publish(1, BASE);
        uint256 excess = FUNDING - 10 * BASE;
        assertEq(distributor.excess(), excess);
        vm.expectEmit(address(distributor));
        emit ExcessWithdrawn(carol, excess, 10 * BASE);
        vm.prank(admin);
        distributor.withdrawExcess(carol, excess);
        assertEq(usd.balanceOf(carol), excess);
        assertEq(distributor.excess(), 0);
        assertEq(distributor.netFunded(), 10 * BASE);
    }

    function test_withdrawExcess_revertsIfBeyondExcess() public {
        (bytes32 root, , , ) = _tree(BASE);
        _propose(1, root, 10 * BASE); // a pending root encumbers its total
        uint256 excess = FUNDING - 10 * BASE;
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientExcess.selector, excess + 1, excess));
        vm.prank(admin);
        distributor.withdrawExcess(carol, excess + 1);
    }

    function test_withdrawExcess_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.withdrawExcess(stranger, 1);
    }

    function test_withdrawExcess_revertsIfToZeroOrAmountZero() public {
        vm.startPrank(admin);
        vm.expectRevert(IRewardsDistributor.ZeroAddress.selector);
        distributor.withdrawExcess(address(0), 1);
        vm.expectRevert(IRewardsDistributor.ZeroAmount.selector);
        distributor.withdrawExcess(carol, 0);
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////
                           SIGNERS AND ADMIN
    //////////////////////////////////////////////////////////////*/

    function test_addSigner_authorizesAndEmits() public {
        vm.expectEmit(address(distributor));
        emit SignerAdded(carol);
        vm.prank(admin);
        distributor.addSigner(carol);
        assertTrue(distributor.isSigner(carol));
        assertEq(distributor.signerCount(), 6);
    }

    function test_addSigner_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.addSigner(carol);
    }

    function test_addSigner_revertsIfAlreadyAuthorizedOrZero() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.SignerAlreadyAuthorized.selector, signerAddrs[0]));
        distributor.addSigner(signerAddrs[0]);
        vm.expectRevert(IRewardsDistributor.ZeroAddress.selector);
        distributor.addSigner(address(0));
        vm.stopPrank();
    }

    function test_removeSigner_deauthorizesAndEmits() public {
        vm.expectEmit(address(distributor));
        emit SignerRemoved(signerAddrs[4]);
        vm.prank(admin);
        distributor.removeSigner(signerAddrs[4]);
        assertFalse(distributor.isSigner(signerAddrs[4]));
        assertEq(distributor.signerCount(), 4);
        // Its signature no longer counts.
        bytes32 root = bytes32(uint256(1));
        bytes[] memory sigs = _signatures(1, root, BASE, 5);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.UnauthorizedSigner.selector, signerAddrs[4]));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, root, BASE, r, d, c, sigs);
    }

    function test_removeSigner_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.removeSigner(signerAddrs[0]);
    }

    function test_removeSigner_revertsIfUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.SignerNotAuthorized.selector, carol));
        vm.prank(admin);
        distributor.removeSigner(carol);
    }

    function test_removeSigner_revertsIfBelowThreshold() public {
        vm.startPrank(admin);
        distributor.setThreshold(5);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidThreshold.selector, 5, 4));
        distributor.removeSigner(signerAddrs[0]);
        vm.stopPrank();
    }

    function test_setThreshold_changesAndEmits() public {
        vm.expectEmit(address(distributor));
        emit ThresholdChanged(3, 4);
        vm.prank(admin);
        distributor.setThreshold(4);
        assertEq(distributor.threshold(), 4);
        bytes[] memory sigs = _signatures(1, bytes32(uint256(1)), BASE, 3);
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InsufficientSignatures.selector, 3, 4));
        vm.prank(proposer);
        distributor.proposeRoot(1, 1, bytes32(uint256(1)), BASE, r, d, c, sigs);
    }

    function test_setThreshold_revertsIfInvalid() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidThreshold.selector, 0, 5));
        distributor.setThreshold(0);
        vm.expectRevert(abi.encodeWithSelector(IRewardsDistributor.InvalidThreshold.selector, 6, 5));
        distributor.setThreshold(6);
        vm.stopPrank();
    }

    function test_setThreshold_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.setThreshold(2);
    }

    function test_setDisputeWindow_appliesToLaterProposals() public {
        vm.expectEmit(address(distributor));
        emit DisputeWindowChanged(DISPUTE_WINDOW, 2 hours);
        vm.prank(admin);
        distributor.setDisputeWindow(2 hours);
        assertEq(distributor.disputeWindow(), 2 hours);
        _propose(1, bytes32(uint256(1)), BASE);
        assertEq(distributor.epochRecord(1).validAt, block.timestamp + 2 hours);
    }

    function test_setDisputeWindow_revertsIfTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsDistributor.InvalidDisputeWindow.selector, 30 days + 1, 1 hours, 30 days)
        );
        vm.prank(admin);
        distributor.setDisputeWindow(30 days + 1);
    }

    function test_setDisputeWindow_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.setDisputeWindow(1);
    }

    function test_setOutflowLimit_changesAndEmits() public {
        vm.expectEmit(address(distributor));
        emit OutflowLimitChanged(5e6, 3600);
        vm.prank(admin);
        distributor.setOutflowLimit(5e6, 3600);
        (uint256 limit, uint256 window, , ) = distributor.outflowState();
        assertEq(limit, 5e6);
        assertEq(window, 3600);
    }

    function test_setOutflowLimit_revertsIfOutOfRange() public {
        vm.startPrank(admin);
        uint256 tooBig = uint256(type(uint64).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 64, tooBig));
        distributor.setOutflowLimit(tooBig, 1);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 24, 1 << 24));
        distributor.setOutflowLimit(1, 1 << 24);
        vm.stopPrank();
    }

    function test_setOutflowLimit_revertsIfNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        distributor.setOutflowLimit(1, 1);
    }

    function test_pause_byPauserAndUnpause_byAdmin() public {
        vm.expectEmit(address(distributor));
        emit Paused(pauser);
        vm.prank(pauser);
        distributor.pause();
        assertTrue(distributor.paused());
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(pauser);
        distributor.pause();
        vm.expectEmit(address(distributor));
        emit Unpaused(admin);
        vm.prank(admin);
        distributor.unpause();
        assertFalse(distributor.paused());
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(admin);
        distributor.unpause();
    }

    function test_pause_revertsIfNotPauser() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                distributor.PAUSER_ROLE()
            )
        );
        vm.prank(stranger);
        distributor.pause();
    }

    function test_unpause_revertsIfNotAdmin() public {
        vm.prank(pauser);
        distributor.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, pauser, bytes32(0))
        );
        vm.prank(pauser);
        distributor.unpause();
    }

    function test_pause_keepsBreakerState() public {
        vm.prank(admin);
        distributor.setOutflowLimit(7e6, 600);
        vm.prank(pauser);
        distributor.pause();
        (uint256 limit, uint256 window, , ) = distributor.outflowState();
        assertEq(limit, 7e6);
        assertEq(window, 600);
        vm.prank(admin);
        distributor.unpause();
        (limit, window, , ) = distributor.outflowState();
        assertEq(limit, 7e6);
        assertEq(window, 600);
    }

    function test_defaultAdmin_transferIsDelayedAndTwoStep() public {
        vm.prank(admin);
        distributor.beginDefaultAdminTransfer(carol);
        vm.warp(block.timestamp + ADMIN_DELAY);
        vm.expectRevert();
        vm.prank(carol);
        distributor.acceptDefaultAdminTransfer();
        vm.warp(block.timestamp + 1);
        vm.prank(carol);
        distributor.acceptDefaultAdminTransfer();
        assertEq(distributor.defaultAdmin(), carol);
        assertFalse(distributor.hasRole(bytes32(0), admin));
    }

    function test_epochRootDigest_matchesEip712() public view {
        bytes32 root = keccak256("root");
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(7);
        bytes32 structHash = keccak256(abi.encode(EPOCH_ROOT_TYPEHASH, uint64(7), uint64(1), root, 123, r, d, c));
        assertEq(
            distributor.epochRootDigest(7, distributor.proposalAttempt(7), root, 123, r, d, c),
            MessageHashUtils.toTypedDataHash(distributor.DOMAIN_SEPARATOR(), structHash)
        );
    }
}
