import { toMediaJson } from '../media/media.json.ts';
import type { CaptionSearchRepository, CueHit } from './caption-search.repository.ts';
import { searchTerms } from './search-text.ts';

/** Best-matching cues read per search; the media in the answer are made from these. */
const CANDIDATE_CUES = 500;
/** Most cues shown per media. */
const HITS_PER_MEDIA = 20;

/**
 * Search inside media: the tenant's matching cues, grouped by media. A media ranks by its best
 * cue, then by how many of its cues match; its hits are listed in time order.
 */
export class CaptionSearchService {
  constructor(private readonly captions: Pick<CaptionSearchRepository, 'search' | 'media'>) {}

  async search(tenantId: string, query: { q: string; limit: number }, baseUrl: string) {
    const hits = await this.captions.search(tenantId, searchTerms(query.q), CANDIDATE_CUES);
    const groups = new Map<string, { best: number; hits: CueHit[] }>();
    for (const hit of hits) {
      const group = groups.get(hit.mediaId) ?? { best: -Infinity, hits: [] };
      group.best = Math.max(group.best, hit.score);
      group.hits.push(hit);
      groups.set(hit.mediaId, group);
    }
    const ranked = [...groups.entries()]
      .sort(([, a], [, b]) => b.best - a.best || b.hits.length - a.hits.length)
      .slice(0, query.limit);
    const media = new Map(
      (
        await this.captions.media(
          tenantId,
          ranked.map(([id]) => id),
        )
      ).map((row) => [row.id, row]),
    );
    const results = ranked.flatMap(([mediaId, group]) => {
      const row = media.get(mediaId);
      if (!row) return [];
      const shown = group.hits.slice(0, HITS_PER_MEDIA).sort((a, b) => a.startMs - b.startMs);
      return [
        {
          media: toMediaJson(row, baseUrl),
          hits: shown.map((h) => ({
            trackId: h.trackId,
            language: h.language,
            startSeconds: h.startMs / 1000,
            endSeconds: h.endMs / 1000,
            text: h.text,
          })),
        },
      ];
    });
    return { results };
  }
}
