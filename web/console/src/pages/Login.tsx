import { Logo } from '../components/Logo';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, message } from '../api';
import type { WhoAmI } from '../types';

/** Login asks for a hub bearer token and exchanges it for the session cookie. */
export function Login(props: { onSignedIn: (who: WhoAmI) => void; notice?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!token.trim()) {
      setError('Enter an access token.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError('');
    try {
      const who = await api.login(token.trim());
      setToken('');
      props.onSignedIn(who);
    } catch (err) {
      setError(message(err));
      input.current?.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="login-box" onSubmit={submit} aria-labelledby="login-title" novalidate>
        <h1 id="login-title">
          <Logo />{' '}
          Flotilla console
        </h1>
        <p class="muted">Sign in with a token the hub's API server accepts: a ServiceAccount token or an OIDC ID token.</p>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label for="token">Access token</label>
        <input
          id="token"
          ref={input}
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : undefined}
        />
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p id="login-error" class="error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}
