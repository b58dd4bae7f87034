import type { MemoryBudget } from '../../base/memory-budget.js'
import type { RpcMessage } from './rpc-wire.js'

/** What the caller and callee halves of a service need from its port. */
export interface RpcLink {
  /** The service's name, for messages. */
  readonly name: string
  /** Sends a message; rejects with NetError `usage`, nothing sent, if it cannot be encoded. */
  send(message: RpcMessage): Promise<void>
  /** Sends a control message (credit, cancel, end, error) that always encodes; never rejects. */
  post(message: RpcMessage): void
  /** The session's memory budget. */
  readonly memory: MemoryBudget
  /** The estimated heap size of the message being handled now. */
  messageCost(): number
}

/** How a call names itself in errors: `rpc "math".add`. */
export function describeCall(link: RpcLink, method: string): string {
  return `rpc "${link.name}".${method}`
}
