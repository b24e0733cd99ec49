import { useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';

/**
 * A password or token shown once, with a copy button. The clipboard API needs a secure context (the
 * controller is often reached over plain http on a LAN), so copying falls back to selecting the text.
 */
export function SecretNotice({ label, secret, onDone }: { label: string; secret: string; onDone(): void }) {
  const i = useI18n();
  const [copied, setCopied] = useState<'no' | 'yes' | 'select'>('no');
  const copy = async (input: HTMLInputElement | null) => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      input?.select();
      setCopied(document.execCommand?.('copy') ? 'yes' : 'select');
    }
  };
  const field = useRef<HTMLInputElement>(null);
  return (
    <div class="secret" role="status" data-testid="secret">
      <p>
        <strong>{label}</strong> <span class="muted small">{i.t('secret.once')}</span>
      </p>
      <div class="secret__row">
        <input
          class="secret__value"
          readOnly
          value={secret}
          aria-label={label}
          data-testid="secret-value"
          ref={field}
          onFocus={(e) => (e.target as HTMLInputElement).select()}
        />
        <button type="button" class="button" onClick={() => void copy(field.current)} data-testid="secret-copy">
          {copied === 'yes' ? i.t('secret.copied') : i.t('secret.copy')}
        </button>
        <button type="button" class="button button--quiet" onClick={onDone}>
          {i.t('secret.done')}
        </button>
      </div>
      {copied === 'select' && <p class="muted small">{i.t('secret.selectHint')}</p>}
    </div>
  );
}
