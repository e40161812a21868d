/**
 * The bearer token, asked for when the node answers 401 (and changeable at any time from the header). It is kept
 * in the tab's session storage only: closing the tab forgets it, and no other site can read it.
 */
import { useState } from "preact/hooks";

const STORAGE_KEY = "ratchet.console.token";

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (a locked-down browser): the token lives as long as the page
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage refused: the token still applies to this page.
  }
}

export function TokenField(props: {
  readonly rejected: boolean;
  readonly hasToken: boolean;
  readonly onToken: (token: string | null) => void;
}) {
  const [text, setText] = useState("");
  return (
    <form
      class="token-field"
      onSubmit={(event) => {
        event.preventDefault();
        props.onToken(text.trim() === "" ? null : text.trim());
        setText("");
      }}
    >
      <label>
        {props.rejected
          ? props.hasToken
            ? "This token was not accepted: "
            : "This node needs a token: "
          : "Token: "}
        <input
          type="password"
          name="token"
          autoComplete="off"
          placeholder="bearer token"
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Use token</button>
      {props.hasToken && (
        <button type="button" class="secondary" onClick={() => props.onToken(null)}>
          Forget token
        </button>
      )}
    </form>
  );
}
