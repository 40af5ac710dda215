// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MockUSD} from "../mocks/MockUSD.sol";

contract MockUSDTest is Test {
    MockUSD internal usd;

    function setUp() public {
        usd = new MockUSD();
    }

    function test_decimals_isSix() public view {
        assertEq(usd.decimals(), 6);
    }

    function testFuzz_mint_increasesBalanceAndSupply(address to, uint128 amount) public {
        vm.assume(to != address(0));
        usd.mint(to, amount);
        assertEq(usd.balanceOf(to), amount);
        assertEq(usd.totalSupply(), amount);
    }
}
