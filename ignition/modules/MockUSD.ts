/** Development only: the 6-decimal MockUSD stablecoin (anyone may mint). Never deploy where value exists. */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("MockUSD", (m) => {
  const usd = m.contract("MockUSD");
  return { usd };
});
