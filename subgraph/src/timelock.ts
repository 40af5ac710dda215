/**
 * The distributor's timelock (RewardsTimelock, OpenZeppelin's TimelockController): scheduled,
 * executed and cancelled operations, its min delay, and its own roles. The timelock data source's
 * entry point (subgraph.yaml `file`).
 */
import { Bytes, ethereum } from "@graphprotocol/graph-ts";
import {
  CallExecuted,
  CallSalt,
  CallScheduled,
  Cancelled,
  MinDelayChange,
  RoleGranted,
  RoleRevoked,
} from "../generated/RewardsTimelock/RewardsTimelock";
import { Timelock, TimelockCall, TimelockOperation } from "../generated/schema";
import { recordRoleChange } from "./governance";
import { ZERO, ZERO_HASH } from "./helpers";

export const OP_PENDING = "PENDING";
export const OP_DONE = "DONE";
export const OP_CANCELLED = "CANCELLED";

function getOrCreateTimelock(event: ethereum.Event): Timelock {
  let timelock = Timelock.load(event.address);
  if (timelock == null) {
    timelock = new Timelock(event.address);
    timelock.minDelaySeconds = ZERO;
    timelock.operationCount = 0;
  }
  return timelock;
}

/**
 * The operation, or a placeholder when its schedule was not indexed (a start block after it), so
 * an execution or cancellation is still recorded.
 */
function loadOrInitOperation(id: Bytes, event: ethereum.Event): TimelockOperation {
  let op = TimelockOperation.load(id);
  if (op == null) {
    op = new TimelockOperation(id);
    op.timelock = event.address;
    op.status = OP_PENDING;
    op.readyAt = ZERO;
    op.delaySeconds = ZERO;
    op.predecessor = ZERO_HASH;
    op.scheduledAt = ZERO;
    op.scheduledBlock = ZERO;
    op.scheduledTransactionHash = ZERO_HASH;
  }
  return op;
}

export function handleCallScheduled(event: CallScheduled): void {
  const p = event.params;
  const timelock = getOrCreateTimelock(event);
  const op = loadOrInitOperation(p.id, event);
  // A batch emits one CallScheduled per call, index 0 first: the first one (re)starts the schedule.
  if (p.index.equals(ZERO)) {
    timelock.operationCount = timelock.operationCount + 1;
    op.status = OP_PENDING;
    op.salt = null;
    op.executedAt = null;
    op.executedTransactionHash = null;
    op.cancelledAt = null;
    op.cancelledTransactionHash = null;
  }
  op.timelock = timelock.id;
  op.delaySeconds = p.delay;
  op.readyAt = event.block.timestamp.plus(p.delay);
  op.predecessor = p.predecessor;
  op.scheduledAt = event.block.timestamp;
  op.scheduledBlock = event.block.number;
  op.scheduledTransactionHash = event.transaction.hash;
  op.save();
  timelock.save();

  const call = new TimelockCall(p.id.concatI32(p.index.toI32()));
  call.operation = op.id;
  call.index = p.index;
  call.target = p.target;
  call.value = p.value;
  call.data = p.data;
  call.save();
}

export function handleCallSalt(event: CallSalt): void {
  const op = loadOrInitOperation(event.params.id, event);
  op.salt = event.params.salt;
  op.save();
}

export function handleCallExecuted(event: CallExecuted): void {
  const op = loadOrInitOperation(event.params.id, event);
  op.status = OP_DONE;
  op.executedAt = event.block.timestamp;
  op.executedTransactionHash = event.transaction.hash;
  op.save();
}

export function handleCancelled(event: Cancelled): void {
  const op = loadOrInitOperation(event.params.id, event);
  op.status = OP_CANCELLED;
  op.cancelledAt = event.block.timestamp;
  op.cancelledTransactionHash = event.transaction.hash;
  op.save();
}

export function handleMinDelayChange(event: MinDelayChange): void {
  const timelock = getOrCreateTimelock(event);
  timelock.minDelaySeconds = event.params.newDuration;
  timelock.save();
}

export function handleRoleGranted(event: RoleGranted): void {
  recordRoleChange(event, event.params.role, event.params.account, event.params.sender, true);
}

export function handleRoleRevoked(event: RoleRevoked): void {
  recordRoleChange(event, event.params.role, event.params.account, event.params.sender, false);
}
