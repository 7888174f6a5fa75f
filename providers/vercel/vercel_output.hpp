#pragma once
/// What `vercel deploy` reported, read from its stdout and stderr, and the rule that says whether it
/// proved a deploy. Pure, so the parser can be fuzzed alone.
#include <string>
#include <string_view>

namespace r1::providers::vercel {

struct vercel_report {
    bool json = false;        // stdout held a JSON document (--format=json, or the CLI's agent mode)
    std::string url;          // the deployment's https:// URL; never the Inspect URL
    std::string id;           // dpl_...
    std::string ready_state;  // READY, ERROR, CANCELED, BUILDING, QUEUED, INITIALIZING (JSON only)
    std::string error;        // the message of a JSON error payload
    std::string alias;        // the production alias of stderr's "Aliased" row, when it printed one
};

/// Reads the CLI's output. With --format=json stdout is one JSON document: the deployment
/// ({"id","url","inspectorUrl","readyState","target","deploymentApiUrl","error"?}) or, in the CLI's
/// agent mode, {"status","reason"?,"message","deployment"?,"next"} (vercel 58.10.0,
/// dist/commands/deploy/index.js: getDeploymentOutputJson and the nonInteractive payloads). Without
/// it, stdout is the bare deployment URL, written without a newline when the deployment is created
/// (packages/cli/src/util/deploy/process-deployment.ts). The "Aliased" row is printed on stderr by
/// printAlignedLabel once the production alias is assigned.
vercel_report read_vercel_output(std::string_view out, std::string_view err);

/// Why the run did not prove a deploy, "" when it did: exit 0 AND a deployment https:// URL (AND,
/// when stdout was JSON, readyState READY). The 58.x CLI exits 0 on some network failures with
/// nothing on stdout, and writes the URL before the build finishes, so neither alone is enough.
std::string vercel_success_problem(const vercel_report& r, bool exited_zero);

/// True for an https:// URL of a deployment rather than of Vercel's dashboard (the Inspect URL is
/// https://vercel.com/<team>/<project>/<id>).
bool is_deployment_url(std::string_view url);

}  // namespace r1::providers::vercel
