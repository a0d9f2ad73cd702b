import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { post } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { can } from '../lib/roles.ts';
import { HealthBanner } from './health-banner.tsx';

interface NavItem {
  href: string;
  label: string;
}

function navFor(role: Parameters<typeof can>[0]): NavItem[] {
  if (can(role, 'operator')) {
    return [
      { href: '/operator/health', label: 'Health' },
      { href: '/operator/jobs', label: 'Jobs' },
      { href: '/operator/tenants', label: 'Tenants' },
      { href: '/operator/usage', label: 'Usage' },
    ];
  }
  const items: NavItem[] = [{ href: '/library', label: 'Library' }];
  if (can(role, 'media:write')) items.push({ href: '/upload', label: 'Upload' });
  if (can(role, 'media:write')) items.push({ href: '/record', label: 'Record' });
  items.push({ href: '/live', label: 'Live' });
  items.push({ href: '/analytics', label: 'Analytics' });
  if (can(role, 'settings')) items.push({ href: '/usage', label: 'Usage' });
  if (can(role, 'settings')) items.push({ href: '/settings', label: 'Settings' });
  return items;
}

/** Every signed-in page: the top bar (brand, sections, who is signed in) and the content. */
export function Layout(props: { children: ComponentChildren }) {
  const { user, signOut } = useSession();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const logout = async () => {
    await post('/v1/auth/logout').catch(() => undefined);
    signOut();
  };
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link
          href={can(user.role, 'operator') ? '/operator/health' : '/library'}
          class="brand"
          aria-label="Kino home"
        >
          <span class="brand-mark" aria-hidden="true">
            ▶
          </span>
          Kino
        </Link>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => {
            setMenuOpen(!menuOpen);
          }}
        >
          Menu
        </button>
        <nav id="main-nav" class={`nav ${menuOpen ? 'nav-open' : ''}`} aria-label="Sections">
          {navFor(user.role).map((item) => (
            <Link
              key={item.href}
              href={item.href}
              class={`nav-link ${location.startsWith(item.href) ? 'nav-active' : ''}`}
              aria-current={location.startsWith(item.href) ? 'page' : undefined}
              onClick={() => {
                setMenuOpen(false);
              }}
            >
              {item.label}
            </Link>
          ))}
          <div class="nav-user">
            <span class="user-name" title={user.email}>
              {user.name || user.email}
              <span class="user-role">
                {user.role}
                {user.tenantName ? ` · ${user.tenantName}` : ''}
              </span>
            </span>
            <button type="button" class="btn btn-quiet" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        </nav>
      </header>
      {can(user.role, 'operator') ? <HealthBanner /> : null}
      <main id="main" class="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
