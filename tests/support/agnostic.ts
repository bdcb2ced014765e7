/**
 * The module's runtime-agnostic tests, run on Node 22+ and Bun by
 * `.ci/runtimes.sh` (bundled with the shim first; on Deno they run in
 * `deno task test`). A test file belongs here when it uses no `Deno.*` but
 * `Deno.test` and the simulators' `Deno.serve`, which the shim provides.
 *
 * @module
 */
import "./runtime_shim.ts";

import "../cache/codec_test.ts";
import "../cache/memory_conformance_test.ts";
import "../cache/memory_lru_test.ts";
import "../cache/upstash_get_test.ts";
import "../cli/progress_bar_test.ts";
import "../client_test.ts";
import "../client_token_test.ts";
import "../http/flights_test.ts";
import "../http/freshness_test.ts";
import "../http/headers_test.ts";
import "../http/json_syntax_test.ts";
import "../http/match_test.ts";
import "../http/read_body_test.ts";
import "../http/retry_test.ts";
import "../http/url_test.ts";
import "../http/validate_test.ts";
import "../limits/concurrency_test.ts";
import "../limits/error_limit_test.ts";
import "../limits/limits_sim_test.ts";
import "../limits/rate_limit_test.ts";
import "../observe/client_test.ts";
import "../observe/esi_metrics_test.ts";
import "../observe/otel_test.ts";
import "../observe/progress_test.ts";
import "../observe/prometheus_parser_test.ts";
import "../observe/registry_test.ts";
import "../observe/simulator_test.ts";
import "../pipeline/admission_test.ts";
import "../pipeline/body_memory_test.ts";
import "../pipeline/call_options_test.ts";
import "../pipeline/circuit_test.ts";
import "../pipeline/hardening_test.ts";
import "../pipeline/validation_test.ts";
import "../pipeline/walks_test.ts";
import "../signing/signing_test.ts";
import "../sso/eve_sso_test.ts";
import "../sso/interop_test.ts";
import "../sso/jwks_test.ts";
import "../sso/token_manager_test.ts";
import "../sso/token_store_test.ts";
import "../sso/verify_test.ts";
import "../testing/esi_sim_data_test.ts";
import "../testing/esi_simulator_test.ts";
import "../typed_test.ts";
