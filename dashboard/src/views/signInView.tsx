/**
 * The sign-in page: username and password, a problem next to its field, one generic message for a
 * refused sign-in (the controller does not say whether the user exists), and the lockout with its wait.
 */
import { useState } from 'preact/hooks';
import { LanguageToggle } from '../components/languageToggle';
import { LanternMark } from '../components/appHeader';
import { ApiError } from '../data/api';
import { signIn } from '../data/auth';
import { useI18n, type I18n } from '../i18n';
import { useDocumentTitle } from './title';
import { FieldRow } from '../components/field';

type Field = 'username' | 'password';
type Problems = Partial<Record<Field, string>>;

/** "2 分钟" / "45 秒": the wait of a lockout, rounded up to what a person can act on. */
export function waitText(i: I18n, seconds: number): string {
  return seconds >= 90 ? i.t('signin.waitMinutes', { n: Math.ceil(seconds / 60) }) : i.t('signin.waitSeconds', { n: Math.max(1, Math.ceil(seconds)) });
}

export function SignInView() {
  const i = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const [failure, setFailure] = useState<string | null>(null);
  useDocumentTitle(i.t('signin.title'));

  const submit = async (e: Event) => {
    e.preventDefault();
    const missing: Problems = {};
    if (!username.trim()) missing.username = i.t('signin.needUsername');
    if (!password) missing.password = i.t('signin.needPassword');
    setProblems(missing);
    setFailure(null);
    if (missing.username || missing.password) return;
    setBusy(true);
    try {
      await signIn(username.trim(), password);
      // The app moves on to the page the user wanted once the session is set.
    } catch (err) {
      setPassword('');
      if (!(err instanceof ApiError)) setFailure(i.t('signin.unreachable'));
      else if (err.code === 'CAIDENG_ERR_VALIDATION' && err.problems.length > 0) {
        const next: Problems = {};
        for (const p of err.problems) {
          const field = p.path.replace(/^body\//, '').split('/')[0];
          if (field === 'username' || field === 'password') next[field] ??= p.message;
        }
        setProblems(next);
        if (!next.username && !next.password) setFailure(err.message);
      } else if (err.status === 429) setFailure(i.t('signin.locked', { wait: waitText(i, err.retryAfter ?? 60) }));
      else if (err.status === 401) setFailure(i.t('signin.failed'));
      else setFailure(i.t('error.load', { reason: err.message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <div class="signin__lang">
        <LanguageToggle />
      </div>
      <form class="panel signin__form" onSubmit={submit} noValidate data-testid="signin-form" aria-labelledby="signin-title">
        <div class="signin__brand">
          <LanternMark />
          <h1 id="signin-title">{i.t('signin.title')}</h1>
        </div>
        <p class="muted small">{i.t('signin.intro')}</p>
        {failure && (
          <p class="form-error" role="alert" data-testid="signin-error">
            <span aria-hidden="true">⚠ </span>
            {failure}
          </p>
        )}
        <FieldRow id="signin-username" label={i.t('signin.username')} problem={problems.username}>
          <input
            id="signin-username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            value={username}
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
            aria-invalid={problems.username ? 'true' : undefined}
            aria-describedby={problems.username ? 'signin-username-problem' : undefined}
            autoFocus
          />
        </FieldRow>
        <FieldRow id="signin-password" label={i.t('signin.password')} problem={problems.password}>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            aria-invalid={problems.password ? 'true' : undefined}
            aria-describedby={problems.password ? 'signin-password-problem' : undefined}
          />
        </FieldRow>
        <button type="submit" class="button button--primary" disabled={busy} data-testid="signin-submit">
          {busy ? i.t('signin.busy') : i.t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
