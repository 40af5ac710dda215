// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title RewardsTimelockSetup
/// @notice A one-shot helper that hands a freshly deployed RewardsDistributor's roles to their holders through its
/// RewardsTimelock and then leaves both contracts, in one transaction, so no key ever holds a role it keeps
/// after deployment and no governor can act during a zero-delay setup window.
/// @dev The deployment (Ignition) is: this contract; `RewardsTimelock(0, [this], [this], this)`; the distributor with
/// the timelock as its default admin; then `configure` by the deployer. `configure` schedules and executes (delay 0)
/// the distributor's PROPOSER/GUARDIAN/PAUSER/POLICY grants and the timelock's `updateDelay(delay)` as one batch, grants the
/// timelock's PROPOSER and CANCELLER to every governor, CANCELLER to the guardian and EXECUTOR to every executor
/// (`address(0)` lets anyone execute), then renounces every timelock role it holds. Afterwards it holds nothing and
/// `configure` can never succeed again (it is no longer the timelock's admin).
contract RewardsTimelockSetup {
    /// @notice The distributor's role whose holders sign an epoch's discretionary inputs (core/policy.ts).
    bytes32 public constant POLICY_ROLE = keccak256("POLICY_ROLE");

    /// @notice The account allowed to call `configure` (the deployer).
    address public immutable OWNER;

    /// @notice The caller is not the deployer of this helper.
    error SetupUnauthorized(address caller);
    /// @notice A list that must not be empty was empty (`what`: "governors" or "executors").
    error SetupEmptyList(string what);
    /// @notice A role holder that must be a real address was `address(0)`.
    error SetupZeroAddress(string what);
    /// @notice The timelock's delay would be shorter than the distributor's dispute window.
    error SetupDelayBelowDisputeWindow(uint256 delay, uint256 disputeWindow);
    /// @notice `distributor` does not answer the RewardsDistributor's role getters.
    error SetupNotADistributor(address distributor);

    /// @notice The timelock now governs the distributor with `delay` seconds; this helper holds no role.
    event GovernanceConfigured(address indexed timelock, address indexed distributor, uint256 indexed delay);

    constructor() {
        OWNER = msg.sender;
    }

    /// @param timelock The RewardsTimelock deployed with this helper as its only proposer, executor and admin.
    /// @param distributor The RewardsDistributor whose default admin is `timelock`.
    /// @param proposer Receives the distributor's PROPOSER_ROLE (the oracle's poster).
    /// @param guardian Receives the distributor's GUARDIAN_ROLE and the timelock's CANCELLER_ROLE.
    /// @param pauser Receives the distributor's PAUSER_ROLE.
    /// @param policy Receives the distributor's POLICY_ROLE (`keccak256("POLICY_ROLE")`): the key that signs an epoch's
    /// discretionary inputs (budget, rate cards, founder status, flag decisions), checked by every oracle signer.
    /// @param delay The timelock's minimum delay from now on, in seconds; 0 means the distributor's dispute window.
    /// At least the dispute window (`SetupDelayBelowDisputeWindow`): a guardian who watches roots sees every change.
    /// @param governors Receive the timelock's PROPOSER_ROLE and CANCELLER_ROLE (multisigs of people).
    /// @param executors Receive the timelock's EXECUTOR_ROLE (`address(0)`: anyone may execute a ready change).
    function configure(
        TimelockController timelock,
        address distributor,
        address proposer,
        address guardian,
        address pauser,
        address policy,
        uint256 delay,
        address[] calldata governors,
        address[] calldata executors
    ) external {
        if (msg.sender != OWNER) revert SetupUnauthorized(msg.sender);
        if (governors.length == 0) revert SetupEmptyList("governors");
        if (executors.length == 0) revert SetupEmptyList("executors");
        if (proposer == address(0)) revert SetupZeroAddress("proposer");
        if (guardian == address(0)) revert SetupZeroAddress("guardian");
        if (pauser == address(0)) revert SetupZeroAddress("pauser");
        if (policy == address(0)) revert SetupZeroAddress("policy");
        uint256 disputeWindow = uint256(_read(distributor, "disputeWindow()"));
        if (delay == 0) delay = disputeWindow;
        if (delay < disputeWindow) revert SetupDelayBelowDisputeWindow(delay, disputeWindow);
        _grantThroughTimelock(timelock, distributor, [proposer, guardian, pauser, policy], delay);
        _handOverTimelock(timelock, guardian, governors, executors);
        emit GovernanceConfigured(address(timelock), distributor, delay);
    }

    /// @dev One batch through the timelock at delay 0: the distributor's role grants, then the timelock's own delay.
    function _grantThroughTimelock(
        TimelockController timelock,
        address distributor,
        address[4] memory holders,
        uint256 delay
    ) private {
        IAccessControl access = IAccessControl(distributor);
        address[] memory targets = new address[](5);
        uint256[] memory values = new uint256[](5);
        bytes[] memory payloads = new bytes[](5);
        targets[0] = distributor;
        targets[1] = distributor;
        targets[2] = distributor;
        targets[3] = distributor;
        targets[4] = address(timelock);
        payloads[0] = abi.encodeCall(access.grantRole, (_read(distributor, "PROPOSER_ROLE()"), holders[0]));
        payloads[1] = abi.encodeCall(access.grantRole, (_read(distributor, "GUARDIAN_ROLE()"), holders[1]));
        payloads[2] = abi.encodeCall(access.grantRole, (_read(distributor, "PAUSER_ROLE()"), holders[2]));
        payloads[3] = abi.encodeCall(access.grantRole, (POLICY_ROLE, holders[3]));
        payloads[4] = abi.encodeCall(timelock.updateDelay, (delay));
        timelock.scheduleBatch(targets, values, payloads, bytes32(0), bytes32(0), 0);
        timelock.executeBatch(targets, values, payloads, bytes32(0), bytes32(0));
    }

    /// @dev The timelock's roles to their holders, then every role of this helper renounced (the admin role last).
    function _handOverTimelock(
        TimelockController timelock,
        address guardian,
        address[] calldata governors,
        address[] calldata executors
    ) private {
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        bytes32 cancellerRole = timelock.CANCELLER_ROLE();
        bytes32 executorRole = timelock.EXECUTOR_ROLE();
        for (uint256 i; i < governors.length; ++i) {
            if (governors[i] == address(0)) revert SetupZeroAddress("governor");
            timelock.grantRole(proposerRole, governors[i]);
            timelock.grantRole(cancellerRole, governors[i]);
        }
        timelock.grantRole(cancellerRole, guardian);
        for (uint256 i; i < executors.length; ++i) {
            timelock.grantRole(executorRole, executors[i]);
        }
        timelock.renounceRole(proposerRole, address(this));
        timelock.renounceRole(cancellerRole, address(this));
        if (timelock.hasRole(executorRole, address(this))) timelock.renounceRole(executorRole, address(this));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
    }

    /// @dev A one-word getter of the distributor (a role constant such as "PROPOSER_ROLE()", read rather than
    /// recomputed, or "disputeWindow()").
    function _read(address distributor, string memory getter) private view returns (bytes32) {
        (bool ok, bytes memory data) = distributor.staticcall(abi.encodeWithSignature(getter));
        if (!ok || data.length != 32) revert SetupNotADistributor(distributor);
        return abi.decode(data, (bytes32));
    }
}
