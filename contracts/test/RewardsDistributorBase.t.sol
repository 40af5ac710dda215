// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockUSD} from "../mocks/MockUSD.sol";
import {RewardsDistributor} from "../RewardsDistributor.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";

/// @notice StandardMerkleTree-compatible trees for tests: double-hashed `abi.encode(account, amount)` leaves,
/// sorted pairs. (The layout may differ from the library's; proofs verify the same way.)
library TestMerkle {
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function leaves(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            out[i] = leaf(accounts[i], amounts[i]);
        }
    }

    function root(bytes32[] memory nodes) internal pure returns (bytes32) {
        bytes32[] memory layer = _copy(nodes);
        uint256 n = layer.length;
        while (n > 1) {
            n = _next(layer, n);
        }
        return layer[0];
    }

    function proof(bytes32[] memory nodes, uint256 index) internal pure returns (bytes32[] memory out) {
        bytes32[] memory layer = _copy(nodes);
        bytes32[] memory tmp = new bytes32[](64);
        uint256 n = layer.length;
        uint256 k;
        while (n > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < n) tmp[k++] = layer[sibling];
            n = _next(layer, n);
            index /= 2;
        }
        out = new bytes32[](k);
        for (uint256 i; i < k; ++i) {
            out[i] = tmp[i];
        }
    }

    function _next(bytes32[] memory layer, uint256 n) private pure returns (uint256 m) {
        m = (n + 1) / 2;
        for (uint256 i; i < m; ++i) {
            layer[i] = 2 * i + 1 < n ? hashPair(layer[2 * i], layer[2 * i + 1]) : layer[2 * i];
        }
    }

    function _copy(bytes32[] memory a) private pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}

/// @notice Shared deployment and helpers: 5 oracle signers (3-of-5), 1-day dispute window, breaker on.
abstract contract RewardsDistributorBase is Test {
    uint256 internal constant DISPUTE_WINDOW = 1 days;
    uint256 internal constant OUTFLOW_LIMIT = 1_000_000e6; // $1M per rolling day
    uint256 internal constant OUTFLOW_WINDOW = 1 days;
    uint256 internal constant FUNDING = 10_000_000e6;
    uint48 internal constant ADMIN_DELAY = 3 days;
    uint256 internal constant THRESHOLD = 3;

    bytes32 internal constant EPOCH_ROOT_TYPEHASH = keccak256(
        "EpochRoot(uint64 epoch,uint64 attempt,bytes32 root,uint256 cumulativeTotal,bytes32 receiptsRoot,bytes32 datasetHash,bytes32 rateCardHash)"
    );
    bytes32 internal constant CLAIM_AUTHORIZATION_TYPEHASH = keccak256(
        "ClaimAuthorization(address account,address recipient,address relayer,uint256 maxRelayerFee,uint256 nonce,uint256 deadline)"
    );

    MockUSD internal usd;
    RewardsDistributor internal distributor;

    address internal admin = makeAddr("admin");
    address internal proposer = makeAddr("proposer");
    address internal guardian = makeAddr("guardian");
    address internal pauser = makeAddr("pauser");
    address internal relayer = makeAddr("relayer");
    address internal stranger = makeAddr("stranger");
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    uint256 internal bobKey;
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");

    address[] internal signerAddrs;
    uint256[] internal signerKeys;

    function setUp() public virtual {
        (alice, aliceKey) = makeAddrAndKey("alice");
        (bob, bobKey) = makeAddrAndKey("bob");
        for (uint256 i; i < 5; ++i) {
            (address a, uint256 k) = makeAddrAndKey(string.concat("oracle-signer-", vm.toString(i)));
            signerAddrs.push(a);
            signerKeys.push(k);
        }
        usd = new MockUSD();
        distributor = _deploy(signerAddrs, THRESHOLD, DISPUTE_WINDOW, OUTFLOW_LIMIT, OUTFLOW_WINDOW);
        _fund(FUNDING);
    }

    function _deploy(
        address[] memory signers,
        uint256 threshold,
        uint256 disputeWindow,
        uint256 limit,
        uint256 window
    ) internal returns (RewardsDistributor d) {
        d = new RewardsDistributor(
            IERC20(address(usd)),
            admin,
            ADMIN_DELAY,
            signers,
            threshold,
            disputeWindow,
            limit,
            window
        );
        vm.startPrank(admin);
        d.grantRole(d.PROPOSER_ROLE(), proposer);
        d.grantRole(d.GUARDIAN_ROLE(), guardian);
        d.grantRole(d.PAUSER_ROLE(), pauser);
        vm.stopPrank();
    }

    function _fund(uint256 amount) internal {
        usd.mint(address(this), amount);
        usd.approve(address(distributor), amount);
        distributor.fund(amount);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _commitments(uint64 epoch) internal pure returns (bytes32, bytes32, bytes32) {
        return (
            keccak256(abi.encode("receipts", epoch)),
            keccak256(abi.encode("dataset", epoch)),
            keccak256("ratecard:v1")
        );
    }

    function _digest(uint64 epoch, bytes32 root, uint256 total) internal view returns (bytes32) {
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(epoch);
        return distributor.epochRootDigest(epoch, distributor.proposalAttempt(epoch), root, total, r, d, c);
    }

    /// @dev Signatures by signers `0..count-1`.
    function _signatures(
        uint64 epoch,
        bytes32 root,
        uint256 total,
        uint256 count
    ) internal view returns (bytes[] memory sigs) {
        bytes32 digest = _digest(epoch, root, total);
        sigs = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            sigs[i] = _sign(signerKeys[i], digest);
        }
    }

    function _proposeWith(uint64 epoch, bytes32 root, uint256 total, bytes[] memory sigs) internal {
        (bytes32 r, bytes32 d, bytes32 c) = _commitments(epoch);
        uint64 attempt = distributor.proposalAttempt(epoch);
        vm.prank(proposer);
        distributor.proposeRoot(epoch, attempt, root, total, r, d, c, sigs);
    }

    function _propose(uint64 epoch, bytes32 root, uint256 total) internal {
        _proposeWith(epoch, root, total, _signatures(epoch, root, total, THRESHOLD));
    }

    function _proposeAndFinalize(uint64 epoch, bytes32 root, uint256 total) internal {
        _propose(epoch, root, total);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        distributor.finalize(epoch);
    }

    /// @dev A 4-account tree: alice, bob, carol, dave with `base`, 2·base, 3·base, 4·base.
    function _tree(
        uint256 base
    )
        internal
        view
        returns (bytes32 root, bytes32[] memory leaves, address[] memory accounts, uint256[] memory amounts)
    {
        accounts = new address[](4);
        amounts = new uint256[](4);
        accounts[0] = alice;
        accounts[1] = bob;
        accounts[2] = carol;
        accounts[3] = dave;
        for (uint256 i; i < 4; ++i) {
            amounts[i] = base * (i + 1);
        }
        leaves = TestMerkle.leaves(accounts, amounts);
        root = TestMerkle.root(leaves);
    }

    /// @dev Proposes and finalizes the 4-account tree for `epoch` (total 10·base).
    function _publish(uint64 epoch, uint256 base) internal returns (bytes32 root, bytes32[] memory leaves) {
        (root, leaves, , ) = _tree(base);
        _proposeAndFinalize(epoch, root, 10 * base);
    }

    function _claimAuthDigest(IRewardsDistributor.ClaimAuthorization memory a) internal view returns (bytes32) {
        return distributor.claimAuthorizationDigest(a);
    }
}
