// Observations generated from a report's numbers, in plain sentences: what a QA
// engineer would say first when reading the tables. Every sentence is conditional on
// a measured value; nothing here is boilerplate.
import type { StressReport } from './report.js';

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
const pct = (value: number) => `${(value * 100).toFixed(value === 1 || value === 0 ? 0 : 2)}%`;

export function observe(report: Omit<StressReport, 'observations' | 'thresholds'>): string[] {
  const out: string[] = [];
  const {
    sessions,
    outcomes,
    connections,
    config,
    latency_ms: latency,
    rates,
    resources,
    environment,
  } = report;
  const asked = config.model === 'closed' ? config.concurrency : undefined;
  const errors = sessions.ended - outcomes.ok;

  // A run against a gateway whose identity was not checked says so before any figure.
  if (config.insecure)
    out.push(
      `TLS certificate verification was OFF (--insecure): the gateway at ${config.url} was not proven to be who it claims; the traffic (token included) was open to anyone on the path.`,
    );

  // What a user waited comes first: a run where everything "succeeded" after a minute in
  // the queue, or after thousands of busy replies, is not a success to its users.
  const traffic = report.traffic;
  if (latency.session.count > 0)
    out.push(
      `Sessions took p50 ${seconds(latency.session.p50)} / p99 ${seconds(latency.session.p99)} / max ${seconds(latency.session.max)} from connect to final_result, for ${report.config.audio_seconds.toFixed(1)} s of audio each.`,
    );
  if (traffic.busy_replies > 0)
    out.push(
      `The gateway sent ${traffic.busy_replies} "busy" replies (${traffic.busy_at_start} to starts, ${traffic.chunks_refused} to chunks): clients waited and retried before being served.`,
    );

  if (config.mode === 'storm' && traffic.storm_drops > 0) {
    const refused =
      traffic.comebacks_refused > 0
        ? ` ${traffic.comebacks_refused} comebacks were refused with 503 while the gateway shed the burst, and tried again.`
        : '';
    const comeback = latency.comeback.count
      ? ` Back after p50 ${seconds(latency.comeback.p50)} / p99 ${seconds(latency.comeback.p99)} / max ${seconds(latency.comeback.max)}.`
      : '';
    out.push(
      traffic.comeback_lost === 0 && traffic.comeback_restarted === 0
        ? `Every session the storm dropped came back (${config.reconnect} reconnects): ${traffic.storm_drops} drops, ${traffic.resumed} comebacks, none lost.${comeback}${refused}`
        : `The storm (${config.reconnect} reconnects) lost sessions: of ${traffic.storm_drops} drops, ${traffic.comeback_lost} sessions ended before they were back and ${traffic.comeback_restarted} were started afresh by a gateway that had lost them.${comeback}${refused}`,
    );
  }
  const lag = report.gateway_event_loop_lag;
  if (lag && lag.p99_ms !== null)
    out.push(
      `The gateway's event loop ran p99 ${seconds(lag.p99_ms)} late over the run (longest in a 5-s window: ${lag.max_ms === null ? 'not seen' : seconds(lag.max_ms)})${lag.p99_ms > 200 ? ': every ack and result waited behind it' : ''}.`,
    );

  if (config.mode === 'zombie')
    // Zombies send no audio: there is no final_result to claim, only connections held.
    out.push(
      sessions.ended === 0
        ? 'No idle connection ended: nothing was measured.'
        : `${outcomes.ok} of ${sessions.ended} idle connections were held to the end (zombie mode sends no audio, so no final_result is expected).`,
    );
  else if (sessions.ended === 0) out.push('No session ended: nothing was measured.');
  else if (errors === 0)
    out.push(
      `All ${sessions.ended} sessions that ended completed with a final_result (success ${pct(rates.success_rate)}).`,
    );
  else
    out.push(
      `${outcomes.ok} of ${sessions.ended} sessions completed (success ${pct(rates.success_rate)}); ${errors} ended otherwise.`,
    );

  if (sessions.completed_partial > 0) {
    out.push(
      `${sessions.completed_partial} of ${sessions.completed} final_results were partial: they lack chunks, because the gateway's merge timed out before the recognizer reached every chunk or because chunks failed recognition (a base gateway sends no result for those), so those texts are incomplete.`,
    );
  }

  // 401/403 is the gateway refusing who we are, not how many we are.
  const authRejected = Object.entries(report.outcome_details.rejected)
    .filter(([status]) => status === '401' || status === '403')
    .reduce((sum, [, n]) => sum + n, 0);
  if (authRejected > 0)
    out.push(
      `${authRejected} upgrades were refused as unauthorized (HTTP 401/403): the gateway wants a token (--token) or refused the one given. That is an authentication failure, not a load limit.`,
    );
  if (
    asked !== undefined &&
    config.mode !== 'mixed' &&
    connections.peak < asked &&
    outcomes.rejected - authRejected + outcomes.refused + outcomes.busy + traffic.upgrades_deferred > 0
  ) {
    const rejected = `${outcomes.rejected} upgrades were rejected (${
      Object.entries(report.outcome_details.rejected)
        .map(([status, n]) => `HTTP ${status} x${n}`)
        .join(', ') || 'none'
    })`;
    const deferred = `${traffic.upgrades_deferred} upgrades were told to come back later (503 with Retry-After)`;
    out.push(
      `Peak open connections stopped at ${connections.peak} while ${asked} sessions were asked for, and ` +
        (traffic.upgrades_deferred > 0 && outcomes.rejected === 0
          ? deferred
          : traffic.upgrades_deferred > 0
            ? `${rejected}; ${deferred}`
            : rejected) +
        ': a connection cap?',
    );
  } else if (asked !== undefined && connections.peak >= asked) {
    out.push(
      `Peak open connections reached ${connections.peak}, the ${asked} asked for: nothing walled connections off.`,
    );
  }

  if (outcomes.refused > 0 && outcomes.refused === sessions.ended) {
    out.push(`Every attempt was refused at TCP level: is a gateway listening at ${config.url}?`);
  }

  if (asked) {
    // A spin shows in failed attempts; successful ones only say the sessions are short.
    const failed = Math.max(0, connections.attempts - outcomes.ok);
    const perClient = failed / asked / Math.max(0.001, config.durationMs / 1000);
    const verdict = perClient > 2 ? 'that looks like a retry spin' : 'retries stayed under the backoff';
    out.push(
      `${connections.attempts} connection attempts in ${config.durationMs / 1000} s (${rates.attempts_per_second}/s), ${failed} of them failed: ` +
        `${perClient.toFixed(2)} failed attempts per client per second (${verdict}).`,
    );
  }

  if (traffic.upgrades_deferred > 0)
    out.push(
      `${traffic.upgrades_deferred} connects were answered 503 with Retry-After (a connection cap, or a gateway shedding a burst of upgrades): those sessions waited at the door and tried again, as real clients do; a session still refused after ${config.busyGiveUpMs / 1000} s ends rejected.`,
    );
  if (traffic.busy_at_start > 0) {
    const wait = latency.door_wait;
    out.push(
      `The gateway answered "busy" to ${traffic.busy_at_start} starts (admission by expected wait): those sessions waited at the door before sending any audio` +
        (wait.count > 0
          ? `, ${wait.count} of them for p50 ${wait.p50} ms / p99 ${wait.p99} ms / max ${wait.max} ms before being admitted.`
          : '.'),
    );
  }
  if (traffic.chunks_refused > 0) {
    out.push(
      `${traffic.chunks_refused} chunks were refused with "busy" after crossing the network and sent again: ` +
        `${(traffic.wasted_upload_bytes / 1048576).toFixed(1)} MB, ${pct(traffic.wasted_upload_share)} of all bytes sent, uploaded for nothing` +
        (traffic.chunks_sent > 0
          ? ` (${pct(traffic.chunks_refused / traffic.chunks_sent)} of chunks sent).`
          : '.'),
    );
  }
  if (outcomes.busy > 0)
    out.push(`${outcomes.busy} sessions gave up after ${config.busyGiveUpMs / 1000} s of "busy" replies.`);
  const timeouts = report.outcome_details.timeout;
  if (outcomes.timeout > 0) {
    out.push(
      `${outcomes.timeout} sessions timed out (${Object.entries(timeouts)
        .map(([phase, n]) => `${phase}: ${n}`)
        .join(
          ', ',
        )}); limits: connect ${config.connectTimeoutMs} ms, ack ${config.ackTimeoutMs} ms, final ${config.finalTimeoutMs} ms.`,
    );
  }
  if (outcomes.closed_early > 0)
    out.push(
      `${outcomes.closed_early} connections ended before final_result (${Object.entries(
        report.outcome_details.closed_early,
      )
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}).`,
    );
  // Certificate errors end connections before they open; say what fixes them.
  const tlsFailures = Object.entries(report.outcome_details.closed_early).filter(([code]) =>
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code),
  );
  if (tlsFailures.length)
    out.push(
      `${tlsFailures.reduce((n, [, count]) => n + count, 0)} connections failed the TLS handshake (${tlsFailures
        .map(([k, n]) => `${k}: ${n}`)
        .join(
          ', ',
        )}): the gateway's certificate was not trusted. Give its CA with --ca-file, or --insecure for a self-signed staging gateway.`,
    );
  if (outcomes.server_error > 0)
    out.push(
      `The gateway sent ${outcomes.server_error} protocol errors (${Object.entries(
        report.outcome_details.server_error,
      )
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}).`,
    );
  if (outcomes.protocol_error > 0)
    out.push(
      `${outcomes.protocol_error} sessions saw frames that break the protocol (${Object.entries(
        report.outcome_details.protocol_error,
      )
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}).`,
    );
  if (outcomes.unfinished > 0)
    out.push(
      `${outcomes.unfinished} sessions were still in flight when the ${config.drainMs / 1000} s drain period ran out.`,
    );

  if (latency.final.count > 0) {
    const audioMs = report.config.audio_seconds * 1000;
    const queueing = latency.final.p50 > 1000 || latency.final.p99 > Math.max(2000, 3 * latency.final.p50);
    out.push(
      `final_result arrived p50 ${latency.final.p50} ms / p99 ${latency.final.p99} ms / max ${latency.final.max} ms after finish` +
        (queueing
          ? ` for ${(audioMs / 1000).toFixed(1)} s of audio: sessions waited in the recognizer's queue.`
          : '.'),
    );
  }
  if (latency.connect.count > 0 && latency.connect.p99 > 1000)
    out.push(`Connecting was slow: p99 ${latency.connect.p99} ms (max ${latency.connect.max} ms).`);

  const client = resources.client;
  if (client.cpu_percent_avg !== null) {
    const coreShare = client.cpu_percent_avg / (100 * environment.cpus);
    out.push(
      `The stress client used ${client.cpu_seconds} CPU-seconds (avg ${client.cpu_percent_avg}% of one core, peak RSS ${client.rss_mb_peak} MB)` +
        (rates.completed_per_client_cpu_second !== null
          ? `: ${rates.completed_per_client_cpu_second} completed sessions per client CPU-second`
          : '') +
        (rates.client_cpu_ms_per_session !== null
          ? `, ${rates.client_cpu_ms_per_session} ms of client CPU per session.`
          : '.') +
        (coreShare > 0.8 ? " It was near the machine's CPU limit, so it may understate the gateway." : ''),
    );
  }
  if (resources.gateway) {
    out.push(
      `The gateway used avg ${resources.gateway.cpu_percent_avg}% / peak ${resources.gateway.cpu_percent_peak}% of one core, RSS peak ${resources.gateway.rss_mb_peak} MB.`,
    );
  }
  const load = environment.loadavg_start[0];
  if (load > environment.cpus * 0.5)
    out.push(
      `The machine was already loaded at the start (load average ${load} on ${environment.cpus} cores): other work shared the CPU.`,
    );
  return out;
}
