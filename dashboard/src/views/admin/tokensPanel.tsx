/** The signed-in user's personal API tokens: create one (shown once, with a copy button), list, revoke. */
import { useEffect, useState } from 'preact/hooks';
import { FieldRow, fieldProblems } from '../../components/field';
import { SecretNotice } from '../../components/secretNotice';
import { createToken, fetchTokens, revokeToken, type ApiToken } from '../../data/tokens';
import { useI18n } from '../../i18n';

const EXPIRIES = [0, 30, 90, 365] as const;

export function TokensPanel() {
  const i = useI18n();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = async () => {
    try {
      setTokens(await fetchTokens());
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setProblems({ name: i.t('tokens.needName') });
    setProblems({});
    setBusy(true);
    try {
      const t = await createToken(name.trim(), days || undefined);
      setCreated({ name: t.name, token: t.token });
      setName('');
      await reload();
    } catch (err) {
      setProblems(fieldProblems(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="tokens-title" data-testid="tokens">
      <h2 id="tokens-title" class="panel__title">{i.t('admin.tab.tokens')}</h2>
      <p class="muted small">{i.t('tokens.intro')}</p>
      {created && <SecretNotice label={i.t('tokens.created', { name: created.name })} secret={created.token} onDone={() => setCreated(null)} />}
      <form class="form-inline" onSubmit={submit} noValidate data-testid="token-form">
        {problems.form && (
          <p class="form-error" role="alert">
            {problems.form}
          </p>
        )}
        <FieldRow id="token-name" label={i.t('tokens.name')} problem={problems.name}>
          <input id="token-name" value={name} maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-invalid={problems.name ? 'true' : undefined} aria-describedby={problems.name ? 'token-name-problem' : undefined} />
        </FieldRow>
        <FieldRow id="token-expiry" label={i.t('tokens.expiry')} problem={problems.expiresInDays}>
          <select id="token-expiry" value={String(days)} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
            {EXPIRIES.map((d) => (
              <option key={d} value={String(d)}>
                {d === 0 ? i.t('tokens.never') : i.t('tokens.days', { n: d })}
              </option>
            ))}
          </select>
        </FieldRow>
        <button type="submit" class="button button--primary" disabled={busy} data-testid="token-create">
          {i.t('tokens.create')}
        </button>
      </form>
      {error && <p class="form-error" role="alert">{i.t('error.load', { reason: error })}</p>}
      {tokens &&
        (tokens.length === 0 ? (
          <p class="muted">{i.t('tokens.none')}</p>
        ) : (
          <div class="table-wrap">
            <table class="list" data-testid="token-list">
              <thead>
                <tr>
                  <th scope="col">{i.t('tokens.name')}</th>
                  <th scope="col">{i.t('tokens.createdAt')}</th>
                  <th scope="col">{i.t('tokens.lastUsed')}</th>
                  <th scope="col">{i.t('tokens.expiresAt')}</th>
                  <th scope="col">
                    <span class="sr-only">{i.t('users.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id} data-token={t.id}>
                    <th scope="row">{t.name}</th>
                    <td>{i.dateTime(t.createdAt)}</td>
                    <td>{t.lastUsedAt ? i.dateTime(t.lastUsedAt) : <span class="muted">{i.t('group.never')}</span>}</td>
                    <td>{t.expiresAt ? i.dateTime(t.expiresAt) : <span class="muted">{i.t('tokens.never')}</span>}</td>
                    <td class="list__actions">
                      <button
                        type="button"
                        class="button button--small button--danger"
                        data-action="revoke"
                        onClick={() => {
                          if (!confirm(i.t('tokens.revokeConfirm', { name: t.name }))) return;
                          revokeToken(t.id).then(reload, (err: Error) => setError(err.message));
                        }}
                      >
                        {i.t('tokens.revoke')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
