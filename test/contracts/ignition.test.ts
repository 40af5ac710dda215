/** The Ignition modules deploy a working, funded distributor with roles, signers and breaker from parameters. */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import DevRewardsDistributorModule, { DEV_SIGNERS } from "../../ignition/modules/DevRewardsDistributor.ts";
import RewardsDistributorModule from "../../ignition/modules/RewardsDistributor.ts";
import { ORACLE_SIGNERS } from "./fixture.ts";

describe("Ignition modules", () => {
  it("default: the dev module deploys MockUSD and a funded distributor with dev signers", async () => {
    const { ignition, viem } = await network.create();
    const [deployer, devGovernor] = await viem.getWalletClients();
    const { usd, distributor, timelock } = await ignition.deploy(DevRewardsDistributorModule);
    expect((await distributor.read.TOKEN()).toLowerCase()).to.equal(usd.address.toLowerCase());
    // Governed as in production: the timelock is the admin, with the dev dispute window as its delay.
    expect((await distributor.read.defaultAdmin()).toLowerCase()).to.equal(timelock.address.toLowerCase());
    expect(await timelock.read.getMinDelay()).to.equal(await distributor.read.disputeWindow());
    for (const role of ["PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"] as const)
      expect(await timelock.read.hasRole([await timelock.read[role](), devGovernor!.account.address])).to.equal(true);
    expect(await timelock.read.hasRole([await timelock.read.CANCELLER_ROLE(), deployer!.account.address])).to.equal(
      true,
    );
    expect(await distributor.read.signerCount()).to.equal(3n);
    for (const s of DEV_SIGNERS) expect(await distributor.read.isSigner([s as `0x${string}`])).to.equal(true);
    expect(await distributor.read.threshold()).to.equal(2n);
    expect(await distributor.read.netFunded()).to.equal(1_000_000_000_000n);
    expect(await usd.read.balanceOf([distributor.address])).to.equal(1_000_000_000_000n);
    const proposerRole = await distributor.read.PROPOSER_ROLE();
    expect(await distributor.read.hasRole([proposerRole, deployer!.account.address])).to.equal(true);
  });

  it("behavior: the production module takes token, signers, roles, windows and breaker from parameters", async () => {
    const { ignition, viem } = await network.create();
    const [, proposer, guardian, pauser, governor] = await viem.getWalletClients();
    const token = await viem.deployContract("MockUSD");
    const { distributor } = await ignition.deploy(RewardsDistributorModule, {
      parameters: {
        RewardsDistributor: {
          token: token.address,
          signers: ORACLE_SIGNERS.map((s) => s.address),
          threshold: 3,
          disputeWindowSeconds: 7_200,
          maxOutflowPerWindow: 5_000_000_000n,
          outflowWindowSeconds: 3_600,
          proposer: proposer!.account.address,
          guardian: guardian!.account.address,
          pauser: pauser!.account.address,
          policy: "0x8888888888888888888888888888888888888888",
          governors: [governor!.account.address],
        },
      },
    });
    expect(await distributor.read.signerCount()).to.equal(5n);
    expect(await distributor.read.threshold()).to.equal(3n);
    expect(await distributor.read.disputeWindow()).to.equal(7_200n);
    const [limit, window] = await distributor.read.outflowState();
    expect(limit).to.equal(5_000_000_000n);
    expect(window).to.equal(3_600n);
    for (const [role, who] of [
      [await distributor.read.PROPOSER_ROLE(), proposer!],
      [await distributor.read.GUARDIAN_ROLE(), guardian!],
      [await distributor.read.PAUSER_ROLE(), pauser!],
    ] as const) {
      expect(await distributor.read.hasRole([role, who.account.address])).to.equal(true);
    }
  });
});
