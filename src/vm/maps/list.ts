/**
 * A doubly linked list with handles, so that an element can leave or move to the end
 * in O(1): hash maps keep their iteration order in one, LRU maps their recency in another.
 */
export interface Link<T> {
  readonly value: T;
  prev: Link<T> | undefined;
  next: Link<T> | undefined;
}

export class LinkedList<T> {
  head: Link<T> | undefined;
  tail: Link<T> | undefined;

  push(value: T): Link<T> {
    const link: Link<T> = { value, prev: this.tail, next: undefined };
    if (this.tail) this.tail.next = link;
    else this.head = link;
    this.tail = link;
    return link;
  }

  remove(link: Link<T>): void {
    if (link.prev) link.prev.next = link.next;
    else this.head = link.next;
    if (link.next) link.next.prev = link.prev;
    else this.tail = link.prev;
    link.prev = link.next = undefined;
  }

  moveToEnd(link: Link<T>): void {
    if (this.tail === link) return;
    this.remove(link);
    link.prev = this.tail;
    if (this.tail) this.tail.next = link;
    else this.head = link;
    this.tail = link;
  }

  /** Survives the removal of the element just yielded (dumps that delete as they go). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let l = this.head; l; ) {
      const next = l.next;
      yield l.value;
      l = next;
    }
  }
}
