import { Link, useLocation } from 'wouter-preact';

/** Links styled as tabs, for the sub-pages of a section. */
export function Tabs(props: { label: string; items: { href: string; label: string }[] }) {
  const [location] = useLocation();
  return (
    <nav class="tabs" aria-label={props.label}>
      {props.items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          class={`tab ${location === item.href ? 'tab-active' : ''}`}
          aria-current={location === item.href ? 'page' : undefined}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

export const SETTINGS_TABS = [
  { href: '/settings/keys', label: 'API keys' },
  { href: '/settings/webhooks', label: 'Webhooks' },
  { href: '/settings/members', label: 'Members' },
  { href: '/settings/lms', label: 'LMS (LTI)' },
  { href: '/settings/sso', label: 'Single sign-on' },
];
