/**
 * Paging iterators: a page is fetched when the caller has taken the previous page's items, and the next one is
 * asked for with the cursor the page answered (next_after, next_cursor) until it answers none. Breaking out of a
 * `for await` stops fetching.
 */

export interface Pages<Page, Cursor> {
  /** Fetches the page after `cursor` (the first page when undefined). */
  readonly fetch: (cursor: Cursor | undefined) => Promise<Page>;
  /** The cursor of the page after this one; null at the end. */
  readonly next: (page: Page) => Cursor | null;
}

export async function* itemsOfPages<Page, Item, Cursor>(
  pages: Pages<Page, Cursor>,
  itemsOf: (page: Page) => readonly Item[],
  start?: Cursor,
): AsyncGenerator<Item, void, undefined> {
  let cursor = start;
  for (;;) {
    const page = await pages.fetch(cursor);
    yield* itemsOf(page);
    const next = pages.next(page);
    if (next === null) return;
    // A cursor that does not move would page forever; the API's cursors always move, so this is its bug.
    if (next === cursor) throw new Error(`the API answered the same cursor twice: ${String(next)}`);
    cursor = next;
  }
}
