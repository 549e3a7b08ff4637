import { BpfscopeError } from '../../errors.js';

/** A packet or context a builder cannot make: a bad address, a value out of its field's range, layers in an order no wire carries. */
export class BuilderError extends BpfscopeError {}
