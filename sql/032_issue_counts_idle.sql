-- As sql/031 made it, returning at once when the run grouped no event. The
-- rollup calls it every second, and most seconds have no new event: the
-- bounds were then NULL, which prunes nothing, and every partition of events
-- and its indexes was planned, and kept in the rollup's session (about 600
-- relations, 10 MB).
CREATE OR REPLACE FUNCTION issue_add_counts() RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	lo timestamptz;
	hi timestamptz;
BEGIN
	SELECT min(first_at), max(last_at) INTO lo, hi FROM new_grouped;
	IF lo IS NULL THEN
		RETURN;
	END IF;
	WITH sums AS (
		SELECT issue_id, sum(n) AS n, min(first_at) AS first_at, max(last_at) AS last_at,
		       max(latest_id) AS latest_id,
		       array_agg(DISTINCT environment) FILTER (WHERE environment IS NOT NULL) AS envs,
		       array_agg(DISTINCT release) FILTER (WHERE release IS NOT NULL) AS rels,
		       (array_agg(release ORDER BY last_at DESC, latest_id DESC)
		          FILTER (WHERE release IS NOT NULL))[1] AS last_release
		  FROM new_grouped GROUP BY issue_id
	), latest AS (
		SELECT s.*, e.level, e.stack FROM sums s
		  JOIN events e ON e.id = s.latest_id AND e.received_at BETWEEN s.first_at AND s.last_at
		                AND e.received_at BETWEEN lo AND hi
	)
	UPDATE issues i SET
		count = i.count + l.n,
		first_seen = least(i.first_seen, l.first_at),
		last_seen = greatest(i.last_seen, l.last_at),
		level = CASE WHEN l.last_at >= i.last_seen THEN l.level ELSE i.level END,
		last_release = coalesce(l.last_release, i.last_release),
		environments = CASE WHEN coalesce(l.envs, '{}') <@ i.environments THEN i.environments
		                    ELSE ARRAY(SELECT DISTINCT unnest(i.environments || l.envs) ORDER BY 1) END,
		releases = CASE WHEN coalesce(l.rels, '{}') <@ i.releases THEN i.releases
		                ELSE ARRAY(SELECT DISTINCT unnest(i.releases || l.rels) ORDER BY 1) END,
		latest_event_id = CASE WHEN l.last_at >= i.last_seen OR i.latest_event_id IS NULL
		                       THEN l.latest_id ELSE i.latest_event_id END,
		exception = CASE WHEN l.last_at >= i.last_seen OR i.latest_event_id IS NULL
		                 THEN l.stack ELSE i.exception END
	  FROM latest l
	 WHERE i.id = l.issue_id;

	INSERT INTO issue_counts_hourly AS c (issue_id, hour, count)
	SELECT issue_id, hour, sum(n) FROM new_grouped GROUP BY 1, 2
	ON CONFLICT (issue_id, hour) DO UPDATE SET count = c.count + excluded.count;

	INSERT INTO releases AS r (application_id, name, first_seen)
	SELECT application_id, release, min(first_at) FROM new_grouped
	 WHERE release IS NOT NULL GROUP BY 1, 2
	ON CONFLICT (application_id, name) DO UPDATE SET first_seen = least(r.first_seen, excluded.first_seen)
	WHERE excluded.first_seen < r.first_seen;

	INSERT INTO issue_tags AS c (issue_id, name, value, count)
	SELECT issue_id, name, value, sum(n) FROM (
		SELECT g.issue_id, t.key AS name, t.value, g.n FROM new_grouped g,
		       jsonb_each_text(coalesce(g.tags, '{}')) t
		 WHERE t.key NOT IN ('environment', 'release')
		UNION ALL
		SELECT issue_id, 'environment', environment, n FROM new_grouped WHERE environment IS NOT NULL
		UNION ALL
		SELECT issue_id, 'release', release, n FROM new_grouped WHERE release IS NOT NULL
	) t GROUP BY 1, 2, 3
	ON CONFLICT (issue_id, name, value) DO UPDATE SET count = c.count + excluded.count;
	TRUNCATE new_grouped;
END
$$;
