// The alerter role as the process runs it: the service (state, decisions, deliveries) plus its HTTP
// surface for release tooling (verdict API, Flagger hooks) and a readiness check.
import type { Role, RoleContext, RoleFactory } from '../common/runtime/role.ts';
import { ConfigError } from '../common/config/load.ts';
import type { AlertingSettings } from './config.ts';
import { AlerterService } from './shell/alerter-service.ts';
import { verdictRoutes } from './api/verdict-api.ts';
import { flaggerRoutes } from './api/flagger-hooks.ts';
import { boardRoutes } from './board/board-routes.ts';
import { boardSource } from './board/source.ts';

/** Rules the schema cannot state: every webhook is signed, every owner entry has a key. */
export function checkAlertingSettings(s: AlertingSettings): string[] {
  const problems: string[] = [];
  s.webhooks.forEach((w, i) => {
    if (!w.hmac_secret) problems.push(`alerting.webhooks.${i}.hmac_secret: required (webhooks are always signed)`);
    if (!/^https?:\/\//.test(w.url)) problems.push(`alerting.webhooks.${i}.url: must be an http(s) URL`);
  });
  s.release_owners.forEach((o, i) => {
    if (!o.pagerduty_release_routing_key) problems.push(`alerting.release_owners.${i}.pagerduty_release_routing_key: required`);
  });
  if (s.leader_heartbeat_interval_ms * 3 > s.leader_session_timeout_ms) {
    problems.push('alerting.leader_heartbeat_interval_ms: at most a third of leader_session_timeout_ms (a leader must heartbeat several times per session)');
  }
  if (new Set(s.webhooks.map((w) => w.name)).size !== s.webhooks.length) problems.push('alerting.webhooks: names must be unique');
  return problems;
}

export const alerterFactory: RoleFactory<AlertingSettings> = {
  name: 'alerter',
  create(ctx: RoleContext<AlertingSettings>): Role {
    const section = ctx.settings;
    const problems = checkAlertingSettings(section);
    if (problems.length) throw new ConfigError('alerting', problems);
    const service = new AlerterService(ctx);
    const deps = {
      get core() { return service.core; }, // replaced on every read-back (takeover, step-down)
      health: () => service.health(), countDegraded: (reason: string) => service.degradedAnswers.inc({ reason }),
      now: () => ctx.clock.now(), maxListItems: section.max_list_items,
    };
    const verdicts = verdictRoutes(deps);
    const board = section.board_enabled ? [{
      name: 'board',
      listen: { host: section.listen_host, port: section.board_listen_port },
      routes: [],
      prefixRoutes: boardRoutes({
        now: deps.now, pageSize: section.board_page_size, maxChartPoints: section.board_chart_max_points, maxPathBytes: section.board_max_path_bytes,
        source: () => boardSource(service.core, service.history, {
          now: deps.now(), health: deps.health(), resolveAfterWindows: section.resolve_after_windows,
          staleAfterMs: section.verdict_stale_after_secs * 1000, origin: 'live',
        }),
      }),
    }] : [];
    return {
      name: 'alerter',
      routes: [...verdicts.routes, ...flaggerRoutes(deps, section.max_hook_body_bytes)],
      prefixRoutes: verdicts.prefixRoutes,
      // Ready once the state was read back: from then on every answer is honest (a verdict, or inconclusive
      // with the reason while degraded), so a replica cut off from Kafka stays behind the Service instead
      // of leaving release tooling with no endpoint at all (connection errors abort Argo rollouts).
      readiness: [{ name: 'alerter', ready: () => service.restored }],
      answersWithoutBus: true,
      listen: { host: section.listen_host, port: section.listen_port },
      extraServers: board,
      start: () => service.start(),
      stop: () => service.stop(),
    };
  },
};
