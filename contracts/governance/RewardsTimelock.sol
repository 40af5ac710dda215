// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title RewardsTimelock
/// @notice The RewardsDistributor's admin in production: OpenZeppelin's `TimelockController`, unchanged.
/// Every safety parameter change (signers, threshold, dispute window, breaker limits, role grants) is
/// scheduled here, emitted as `CallScheduled`, executable only after `getMinDelay()`, and cancellable
/// meanwhile by any holder of `CANCELLER_ROLE` (the guardian).
/// @dev A named subclass only so that Hardhat compiles an artifact for it; it adds no behaviour.
contract RewardsTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and executing a change (at least the distributor's dispute
    /// window, so a guardian who watches roots also sees every change in time).
    /// @param proposers May schedule (and, as OpenZeppelin grants them, cancel) changes.
    /// @param executors May execute ready changes (`address(0)` lets anyone execute).
    /// @param admin Optional setup admin of the timelock's own roles: in the Ignition deployments the one-shot
    /// `RewardsTimelockSetup`, which renounces it in the same transaction that hands the roles over.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
