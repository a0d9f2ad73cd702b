import type { Role } from '../api/types.ts';

/** What a person can do in the console; the API decides in the end (403s are shown too). */
export type Ability = 'media:read' | 'media:write' | 'settings' | 'operator';

const ABILITIES: Record<Role, ReadonlySet<Ability>> = {
  operator: new Set<Ability>(['operator']),
  admin: new Set<Ability>(['media:read', 'media:write', 'settings']),
  editor: new Set<Ability>(['media:read', 'media:write']),
  viewer: new Set<Ability>(['media:read']),
};

export function can(role: Role, ability: Ability): boolean {
  return ABILITIES[role].has(ability);
}

/** Where a person lands after logging in. */
export function homeOf(role: Role): string {
  return role === 'operator' ? '/operator/health' : '/library';
}
