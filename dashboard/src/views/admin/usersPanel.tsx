/** Users (role admin): the list; add one (the controller generates the password, shown once); edit, disable, reset the password. */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { FieldRow, fieldProblems } from '../../components/field';
import { ScopePicker, scopeNames } from '../../components/scopePicker';
import { SecretNotice } from '../../components/secretNotice';
import { ROLES, type Me, type Role } from '../../data/auth';
import type { County } from '../../data/county';
import { createUser, fetchUsers, resetPassword, updateUser, USERNAME_PATTERN, type User } from '../../data/users';
import { useI18n } from '../../i18n';

type Secret = { label: string; secret: string };

export function UsersPanel({ county, me }: { county: County; me: Me }) {
  const i = useI18n();
  const [users, setUsers] = useState<User[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [rowError, setRowError] = useState<{ username: string; message: string } | null>(null);

  const reload = async () => {
    try {
      setUsers(await fetchUsers());
      setLoadError(null);
    } catch (err) {
      setLoadError((err as Error).message);
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  const names = (ids: readonly string[]) => scopeNames(county, ids, i.name, i.list) || '–';
  const act = async (username: string, run: () => Promise<void>) => {
    setRowError(null);
    try {
      await run();
      await reload();
    } catch (err) {
      setRowError({ username, message: (err as Error).message });
    }
  };

  return (
    <section class="panel" aria-labelledby="users-title" data-testid="users">
      <div class="panel__head">
        <h2 id="users-title" class="panel__title">{i.t('admin.tab.users')}</h2>
        {!adding && (
          <button type="button" class="button button--primary" onClick={() => (setAdding(true), setSecret(null))} data-testid="user-add">
            {i.t('users.add')}
          </button>
        )}
      </div>
      {secret && <SecretNotice label={secret.label} secret={secret.secret} onDone={() => setSecret(null)} />}
      {adding && (
        <UserForm
          county={county}
          onCancel={() => setAdding(false)}
          onSave={async (draft) => {
            const { user, password } = await createUser(draft);
            setAdding(false);
            if (password) setSecret({ label: i.t('users.passwordFor', { user: user.username }), secret: password });
            await reload();
          }}
        />
      )}
      {loadError && <p class="form-error" role="alert">{i.t('error.load', { reason: loadError })}</p>}
      {!users ? (
        !loadError && <p class="muted">{i.t('loading')}</p>
      ) : (
        <div class="table-wrap">
          <table class="list" data-testid="user-list">
            <thead>
              <tr>
                <th scope="col">{i.t('users.username')}</th>
                <th scope="col">{i.t('users.displayName')}</th>
                <th scope="col">{i.t('users.role')}</th>
                <th scope="col">{i.t('users.scopes')}</th>
                <th scope="col">{i.t('users.status')}</th>
                <th scope="col">{i.t('users.lastLogin')}</th>
                <th scope="col">
                  <span class="sr-only">{i.t('users.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <Fragment key={u.username}>
                  <tr data-user={u.username} data-disabled={u.disabled ? 'true' : 'false'} class={u.disabled ? 'row--offline' : undefined}>
                    <th scope="row">{u.username}</th>
                    <td>{u.displayName}</td>
                    <td>{i.t(`role.${u.role}`)}</td>
                    <td>{u.role === 'admin' && u.scopes.length === 0 ? i.t('users.everything') : names(u.scopes)}</td>
                    <td>
                      <span class={`badge badge--${u.disabled ? 'offline' : 'online'}`}>{u.disabled ? i.t('users.disabled') : i.t('users.enabled')}</span>
                    </td>
                    <td>{u.lastLoginAt ? i.dateTime(u.lastLoginAt) : <span class="muted">{i.t('group.never')}</span>}</td>
                    <td class="list__actions">
                      <button type="button" class="button button--small" onClick={() => setEditing(editing === u.username ? null : u.username)} aria-expanded={editing === u.username} data-action="edit">
                        {i.t('users.edit')}
                      </button>
                      {u.username !== me.username && (
                        <button type="button" class="button button--small" data-action={u.disabled ? 'enable' : 'disable'} onClick={() => void act(u.username, async () => void (await updateUser(u.username, { disabled: !u.disabled })))}>
                          {u.disabled ? i.t('users.enable') : i.t('users.disable')}
                        </button>
                      )}
                      <button
                        type="button"
                        class="button button--small"
                        data-action="reset"
                        onClick={() => {
                          if (!confirm(i.t('users.resetConfirm', { user: u.username }))) return;
                          void act(u.username, async () => {
                            const { password } = await resetPassword(u.username);
                            setSecret({ label: i.t('users.passwordFor', { user: u.username }), secret: password });
                          });
                        }}
                      >
                        {i.t('users.reset')}
                      </button>
                    </td>
                  </tr>
                  {rowError?.username === u.username && (
                    <tr>
                      <td colSpan={7} class="form-error" role="alert">
                        {rowError.message}
                      </td>
                    </tr>
                  )}
                  {editing === u.username && (
                    <tr>
                      <td colSpan={7}>
                        <UserForm
                          county={county}
                          user={u}
                          onCancel={() => setEditing(null)}
                          onSave={async (draft) => {
                            await updateUser(u.username, { ...(draft.displayName ? { displayName: draft.displayName } : {}), role: draft.role, scopes: draft.scopes });
                            setEditing(null);
                            await reload();
                          }}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

interface Draft {
  username: string;
  displayName?: string;
  role: Role;
  scopes: string[];
}

/** Add (no `user`) or edit a user; problems from the controller's 400 go next to their field. */
function UserForm(props: { county: County; user?: User; onSave(draft: Draft): Promise<void>; onCancel(): void }) {
  const i = useI18n();
  const editing = props.user;
  const key = editing ? `edit-${editing.username}` : 'new';
  const [username, setUsername] = useState(editing?.username ?? '');
  const [displayName, setDisplayName] = useState(editing?.displayName ?? '');
  const [role, setRole] = useState<Role>(editing?.role ?? 'staff');
  const [scopes, setScopes] = useState<string[]>(editing?.scopes ?? []);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!editing && !USERNAME_PATTERN.test(username)) local.username = i.t('users.usernameRule');
    if (role !== 'admin' && scopes.length === 0) local.scopes = i.t('users.needScope');
    setProblems(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await props.onSave({ username, ...(displayName.trim() ? { displayName: displayName.trim() } : {}), role, scopes });
    } catch (err) {
      setProblems(fieldProblems(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="user-form" onSubmit={submit} noValidate data-testid={editing ? 'user-edit-form' : 'user-add-form'}>
      <h3>{editing ? i.t('users.editTitle', { user: editing.username }) : i.t('users.addTitle')}</h3>
      {problems.form && (
        <p class="form-error" role="alert">
          {problems.form}
        </p>
      )}
      <div class="form-grid">
        {!editing && (
          <FieldRow id={`${key}-username`} label={i.t('users.username')} problem={problems.username} hint={i.t('users.usernameRule')}>
            <input
              id={`${key}-username`}
              name="username"
              autoCapitalize="none"
              spellcheck={false}
              value={username}
              onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
              aria-invalid={problems.username ? 'true' : undefined}
              aria-describedby={problems.username ? `${key}-username-problem` : undefined}
            />
          </FieldRow>
        )}
        <FieldRow id={`${key}-display`} label={i.t('users.displayName')} problem={problems.displayName}>
          <input id={`${key}-display`} name="displayName" value={displayName} onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)} />
        </FieldRow>
        <FieldRow id={`${key}-role`} label={i.t('users.role')} problem={problems.role}>
          <select id={`${key}-role`} name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {i.t(`role.${r}`)}
              </option>
            ))}
          </select>
        </FieldRow>
      </div>
      <ScopePicker county={props.county} value={scopes} onChange={setScopes} id={`${key}-scopes`} problem={problems.scopes} />
      {!editing && <p class="muted small">{i.t('users.passwordGenerated')}</p>}
      <div class="form-buttons">
        <button type="submit" class="button button--primary" disabled={busy} data-testid="user-save">
          {editing ? i.t('users.save') : i.t('users.create')}
        </button>
        <button type="button" class="button button--quiet" onClick={props.onCancel}>
          {i.t('users.cancel')}
        </button>
      </div>
    </form>
  );
}
