// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockUSD
/// @notice A 6-decimal USD stablecoin for development and tests only: anyone may mint.
/// @dev WARNING: never deploy this to a network where the token has value.
contract MockUSD is ERC20, ERC20Permit {
    constructor() ERC20("Mock USD", "mUSD") ERC20Permit("Mock USD") {}

    /// @notice 6 decimals, like USDC: 1 base unit = 1 µUSD.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` base units to `to`.
    /// @param to The recipient.
    /// @param amount The amount in base units (µUSD).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
