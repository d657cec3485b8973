// node-jenkins (npm jenkins 1.1.0, promise API) driving jeeves.
//
// Usage: node workflow.js URL USER SECRET CRUMBISSUER(true|false)
//
// The credentials go into the base URL's userinfo, the only place
// node-jenkins takes them from. Every call is one step: before it the
// script asks URL/__step__?name=STEP (the recording proxy of
// e2e/clients_test.go ties HTTP exchanges to the step; a bare server just
// answers 404), after it it prints
//
//     STEP {"name": ..., "ok": true|false, "detail": ...}
//
// and "DONE" at the end. A failed step never stops the script.
"use strict";

const http = require("http");
const Jenkins = require("jenkins");

const [base, user, secret, crumbs] = process.argv.slice(2);
const u = new URL(base);
u.username = encodeURIComponent(user);
u.password = encodeURIComponent(secret);
const baseUrl = u.toString().replace(/\/$/, "");
const jenkins = new Jenkins({ baseUrl, crumbIssuer: crumbs === "true" });
const root = base.replace(/\/$/, "");
const names = new Set();

function mark(name) {
  return new Promise((resolve) => {
    http
      .get(root + "/__step__?name=" + encodeURIComponent(name), (res) => {
        res.resume();
        res.on("end", resolve);
      })
      .on("error", resolve);
  });
}

function show(v) {
  let s;
  try {
    s = JSON.stringify(v);
  } catch (e) {
    s = String(v);
  }
  return s === undefined ? "undefined" : s.slice(0, 600);
}

// step runs fn; check(result) returns undefined when right, else what is wrong.
async function step(name, fn, check) {
  if (names.has(name)) throw new Error("duplicate step " + name);
  names.add(name);
  await mark(name);
  let ok = true;
  let detail = "";
  let result;
  try {
    result = await fn();
    const problem = check ? check(result) : undefined;
    if (problem) {
      ok = false;
      detail = problem + "; got " + show(result);
    }
  } catch (err) {
    ok = false;
    result = undefined;
    detail = (err && err.message) || String(err);
    if (err && err.res) detail += " (HTTP " + err.res.statusCode + ")";
  }
  console.log("STEP " + JSON.stringify({ name, ok, detail }));
  return result;
}

const want = (cond, msg) => (cond ? undefined : msg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// poll asks every 20 ms, as a client can only poll Jenkins.
async function poll(fn, done, what, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const r = await fn();
    if (done(r)) return r;
    if (Date.now() > deadline) throw new Error(what + ": still " + show(r));
    await sleep(20);
  }
}

async function started(id) {
  const item = await poll(() => jenkins.queue.item(id), (i) => i.executable || i.cancelled, "queue item " + id + " never started");
  if (item.cancelled) throw new Error("queue item " + id + " was cancelled");
  return item.executable.number;
}

const finished = (name, n) => poll(() => jenkins.build.get(name, n), (b) => !b.building, name + " #" + n + " never finished");

const PARAMS = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>made by node-jenkins</description>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>GREETING</name>
          <defaultValue>hi</defaultValue>
        </hudson.model.StringParameterDefinition>
        <hudson.model.BooleanParameterDefinition>
          <name>VERBOSE</name>
          <defaultValue>false</defaultValue>
        </hudson.model.BooleanParameterDefinition>
        <hudson.model.ChoiceParameterDefinition>
          <name>TARGET</name>
          <choices class="java.util.Arrays$ArrayList">
            <a class="string-array">
              <string>dev</string>
              <string>prod</string>
            </a>
          </choices>
        </hudson.model.ChoiceParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <builders>
    <hudson.tasks.Shell>
      <command>echo "greeting=$GREETING verbose=$VERBOSE target=$TARGET"</command>
    </hudson.tasks.Shell>
  </builders>
</project>`;
const CHANGED = PARAMS.replace("made by node-jenkins", "changed by node-jenkins");
const PLAIN = `<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>echo plain-output</command></hudson.tasks.Shell></builders></project>`;
const SLOW = `<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>sleep 30</command></hudson.tasks.Shell></builders></project>`;

const LEAVES = `<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>mkdir -p dist; echo binary-ish &gt; dist/app.bin
echo '&lt;testsuite name="t"&gt;&lt;testcase classname="t" name="works"/&gt;&lt;testcase classname="t" name="breaks"&gt;&lt;failure message="no"/&gt;&lt;/testcase&gt;&lt;/testsuite&gt;' &gt; TEST-t.xml</command></hudson.tasks.Shell></builders>
<publishers><hudson.tasks.ArtifactArchiver><artifacts>dist/*</artifacts></hudson.tasks.ArtifactArchiver>
<hudson.tasks.junit.JUnitResultArchiver><testResults>TEST-*.xml</testResults></hudson.tasks.junit.JUnitResultArchiver></publishers></project>`;

// fetchText GETs url with the client's credentials, as node-jenkins's
// users fetch what it has no call for.
function fetchText(url) {
  return new Promise((resolve, reject) => {
    const auth = "Basic " + Buffer.from(user + ":" + secret).toString("base64");
    http.get(url, { headers: { Authorization: auth } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    }).on("error", reject);
  });
}

async function main() {
  // --- the server
  await step("info", () => jenkins.info(), (r) =>
    want(r && r.mode === "NORMAL" && Array.isArray(r.jobs) && Array.isArray(r.views), "want mode NORMAL and jobs/views arrays"));

  // --- jobs
  await step("job.exists absent", () => jenkins.job.exists("nope"), (r) => want(r === false, "want false"));
  await step("job.create nj", () => jenkins.job.create("nj", PARAMS));
  await step("job.exists nj", () => jenkins.job.exists("nj"), (r) => want(r === true, "want true"));
  await step("job.get nj", () => jenkins.job.get("nj"), (r) =>
    want(r && r.name === "nj" && r.description === "made by node-jenkins" && r.buildable === true &&
      JSON.stringify((r.property || []).flatMap((p) => (p.parameterDefinitions || []).map((d) => d.name))) === '["GREETING","VERBOSE","TARGET"]',
      "want name, description, buildable and parameters GREETING/VERBOSE/TARGET"));
  await step("job.get absent", () => jenkins.job.get("nope").then(() => "found", (e) => e.message), (r) =>
    want(typeof r === "string" && r.endsWith("nope not found"), "want the 'nope not found' error"));
  await step("job.create duplicate (X-Error)", () => jenkins.job.create("nj", PARAMS).then(() => "created", (e) => e.message), (r) =>
    want(typeof r === "string" && r.includes("already exists"), "want an error saying the job already exists"));
  await step("job.get nj with tree", () => jenkins.job.get({ name: "nj", tree: "name,color" }), (r) =>
    want(r && r.name === "nj" && r.color === "notbuilt" && r.description === undefined, "want only name and color"));
  await step("job.config nj (read)", () => jenkins.job.config("nj"), (r) => want(r === PARAMS, "config.xml differs from what was posted"));
  await step("job.config nj (write)", () => jenkins.job.config("nj", CHANGED));
  await step("job.config nj after write", () => jenkins.job.config("nj"), (r) => want(r === CHANGED, "differs from the written config"));

  // --- builds
  const qid = await step("job.build nj with parameters",
    () => jenkins.job.build("nj", { parameters: { GREETING: "hi node", VERBOSE: "true", TARGET: "prod" } }),
    (r) => want(Number.isInteger(r) && r > 0, "want a queue id"));
  const n = await step("queue.item until executable", () => started(qid), (r) => want(r === 1, "want build #1"));
  await step("build.get nj until finished", () => finished("nj", n), (r) =>
    want(r.result === "SUCCESS" && r.number === 1 && String(r.url).startsWith(root + "/job/nj/1"),
      "want SUCCESS, number 1 and a url under the client's base"));
  await step("build.log nj", () => jenkins.build.log("nj", n), (r) =>
    want(typeof r === "string" && r.includes("greeting=hi node verbose=true target=prod") && r.trimEnd().endsWith("Finished: SUCCESS"),
      "want the echo output and 'Finished: SUCCESS'"));
  await step("build.log nj meta", () => jenkins.build.log("nj", n, { meta: true }), (r) =>
    want(r && r.more === false && Number(r.size) > 0 && r.text.includes("greeting=hi node"), "want more false, size > 0 and the text"));

  await step("build.log nj from an offset", async () => {
    const full = await jenkins.build.log("nj", n, { meta: true });
    const tail = await jenkins.build.log("nj", n, { start: 10, meta: true });
    return [Buffer.byteLength(full.text), Number(full.size), tail.text === Buffer.from(full.text).subarray(10).toString(), tail.size];
  }, (r) => want(r[0] === r[1] && r[2] && Number(r[3]) === r[1], "want X-Text-Size = log length and the text from byte 10 on"));
  await step("job.create plain", () => jenkins.job.create("plain", PLAIN));
  const pq = await step("job.build plain", () => jenkins.job.build("plain"), (r) => want(Number.isInteger(r) && r > 0, "want a queue id"));
  await step("plain build succeeds", async () => {
    const b = await finished("plain", await started(pq));
    return [b.result, await jenkins.build.log("plain", b.number)];
  }, (r) => want(r[0] === "SUCCESS" && r[1].includes("plain-output"), "want SUCCESS and plain-output"));

  await step("job.create slow", () => jenkins.job.create("slow", SLOW));
  const slow = await step("job.build slow, until it runs", async () => started(await jenkins.job.build("slow")));
  const queued = await step("job.build slow again (queued behind #1)", () => jenkins.job.build("slow"),
    (r) => want(Number.isInteger(r) && r > 0, "want a queue id"));
  await step("queue.list", () => jenkins.queue.list(), (r) =>
    want(Array.isArray(r) && r.some((i) => i.id === queued && i.task && i.task.name === "slow"), "want queue item " + queued + " for slow"));
  await step("queue.cancel", () => jenkins.queue.cancel(queued));
  await step("queue.item cancelled", () => jenkins.queue.item(queued), (r) => want(r && r.cancelled === true, "want cancelled: true"));
  const t0 = Date.now();
  await step("build.stop slow", () => jenkins.build.stop("slow", slow));
  await step("stopped build is ABORTED", async () => [(await finished("slow", slow)).result, (Date.now() - t0) / 1000],
    (r) => want(r[0] === "ABORTED" && r[1] < 15, "want ABORTED well before the 30 s sleep ends"));

  const later = await step("job.build plain with delay 600sec", () => jenkins.job.build("plain", { delay: "600sec" }),
    (r) => want(Number.isInteger(r) && r > 0, "want a queue id"));
  await step("queue.item in its quiet period", () => jenkins.queue.item(later), (r) =>
    want(r && !r.executable && r.task && r.task.name === "plain" && /quiet period/i.test(r.why || ""), "want a waiting item whose why names the quiet period"));
  await step("queue.cancel delayed item", () => jenkins.queue.cancel(later));

  // --- copy, disable, enable, list, destroy
  await step("job.copy nj -> nj-copy", () => jenkins.job.copy("nj", "nj-copy"));
  await step("job.config nj-copy", () => jenkins.job.config("nj-copy"), (r) => want(r === CHANGED, "copy differs from its source"));
  await step("job.disable nj-copy", () => jenkins.job.disable("nj-copy"));
  await step("job.get disabled", () => jenkins.job.get("nj-copy"), (r) =>
    want(r && r.color === "disabled" && r.buildable === false, "want color disabled, buildable false"));
  await step("job.enable nj-copy", () => jenkins.job.enable("nj-copy"));
  await step("job.get enabled", () => jenkins.job.get("nj-copy"), (r) =>
    want(r && r.color === "notbuilt" && r.buildable === true, "want color notbuilt, buildable true"));
  await step("job.list", () => jenkins.job.list(), (r) =>
    want(Array.isArray(r) && JSON.stringify(r.map((j) => j.name).sort()) === '["nj","nj-copy","plain","slow"]', "want nj, nj-copy, plain, slow"));
  await step("job.destroy nj-copy", () => jenkins.job.destroy("nj-copy"));
  await step("job.exists after destroy", () => jenkins.job.exists("nj-copy"), (r) => want(r === false, "want false"));

  // --- nodes
  await step("node.list", () => jenkins.node.list(), (r) =>
    want(Array.isArray(r) && r.length === 1 && r[0].offline === false, "want one online node"));
  await step("node.list full", () => jenkins.node.list({ full: true }), (r) =>
    want(r && Array.isArray(r.computer) && r.totalExecutors >= 1 && typeof r.busyExecutors === "number", "want computer, totalExecutors, busyExecutors"));
  await step("node.get master", () => jenkins.node.get("master"), (r) =>
    want(r && r.offline === false && r.temporarilyOffline === false && typeof r.displayName === "string", "want an online node"));
  await step("node.exists master", () => jenkins.node.exists("master"), (r) => want(r === true, "want true"));

  await step("label.get built-in", () => jenkins.label.get("built-in"), (r) =>
    want(r && Array.isArray(r.nodes) && r.nodes.length === 1, "want the built-in node in nodes"));
  await step("plugin.list", () => jenkins.plugin.list(), (r) => want(Array.isArray(r), "want a plugins array"));
  await step("node.disable master", () => jenkins.node.disable("master", "maintenance window"));
  await step("node.get master offline", () => jenkins.node.get("master"), (r) =>
    want(r && r.offline === true && r.temporarilyOffline === true && r.offlineCauseReason === "maintenance window",
      "want offline, temporarilyOffline, offlineCauseReason 'maintenance window'"));
  await step("node.enable master", () => jenkins.node.enable("master"));
  await step("node.get master online again", () => jenkins.node.get("master"), (r) =>
    want(r && r.offline === false && r.temporarilyOffline === false, "want online"));
  // Permanent agents: stored, and reported as Jenkins reports an agent
  // that has not connected (offline); builds run on the built-in node.
  await step("node.create nagent", () => jenkins.node.create("nagent", { nodeDescription: "from node", labelString: "arm64", numExecutors: 2 }));
  await step("node.exists nagent", () => jenkins.node.exists("nagent"), (r) => want(r === true, "want true"));
  await step("node.get nagent", () => jenkins.node.get("nagent"), (r) =>
    want(r && r.displayName === "nagent" && r.offline === true && r.numExecutors === 2, "want nagent, offline, 2 executors"));
  await step("label.get arm64", () => jenkins.label.get("arm64"), (r) =>
    want(r && Array.isArray(r.nodes) && r.nodes.length === 1 && r.nodes[0].nodeName === "nagent", "want nagent in nodes"));
  await step("node.config nagent", () => jenkins.node.config("nagent"), (r) =>
    want(typeof r === "string" && r.includes("<label>arm64</label>"), "want config.xml with label arm64"));
  await step("node.config set nagent", () => jenkins.node.config("nagent").then((x) =>
    jenkins.node.config("nagent", x.replace("<label>arm64</label>", "<label>arm64 big</label>"))));
  await step("label.get big", () => jenkins.label.get("big"), (r) =>
    want(r && r.nodes.length === 1, "want nagent in nodes"));
  await step("node.disable nagent", () => jenkins.node.disable("nagent", "not yet"));
  await step("node.get nagent disabled", () => jenkins.node.get("nagent"), (r) =>
    want(r && r.temporarilyOffline === true && r.offlineCauseReason === "not yet", "want temporarilyOffline, reason 'not yet'"));
  await step("node.disable nagent new reason", () => jenkins.node.disable("nagent", "later"));
  await step("node.get nagent new reason", () => jenkins.node.get("nagent"), (r) =>
    want(r && r.temporarilyOffline === true && r.offlineCauseReason === "later", "want reason 'later'"));
  await step("node.enable nagent", () => jenkins.node.enable("nagent"));
  await step("node.destroy nagent", () => jenkins.node.destroy("nagent"));
  await step("node.exists nagent after destroy", () => jenkins.node.exists("nagent"), (r) => want(r === false, "want false"));

  // --- views
  await step("view.list", () => jenkins.view.list(), (r) => want(Array.isArray(r) && r.some((v) => v.name === "all"), "want the 'all' view"));
  await step("view.create nv", () => jenkins.view.create("nv", "list"));
  await step("view.create duplicate (X-Error)", () => jenkins.view.create("nv", "list").then(() => "created", (e) => e.message), (r) =>
    want(typeof r === "string" && r.includes("already exists"), "want an error saying the view already exists"));
  await step("view.exists nv", () => jenkins.view.exists("nv"), (r) => want(r === true, "want true"));
  await step("view.add nj", () => jenkins.view.add("nv", "nj"));
  await step("view.get nv", () => jenkins.view.get("nv"), (r) =>
    want(r && r.name === "nv" && JSON.stringify((r.jobs || []).map((j) => j.name)) === '["nj"]', "want view nv with jobs [nj]"));
  await step("view.config nv", () => jenkins.view.config("nv"), (r) =>
    want(typeof r === "string" && r.includes("hudson.model.ListView") && r.includes("<string>nj</string>"), "want ListView XML naming nj"));
  await step("view.remove nj", () => jenkins.view.remove("nv", "nj"));
  await step("view.get nv after remove", () => jenkins.view.get("nv"), (r) =>
    want(r && Array.isArray(r.jobs) && r.jobs.length === 0, "want no jobs"));
  await step("view.destroy nv", () => jenkins.view.destroy("nv"));
  await step("view.exists after destroy", () => jenkins.view.exists("nv"), (r) => want(r === false, "want false"));

  // --- what builds leave behind: node-jenkins has no artifact or test
  // report call; its users read both from build.get and fetch
  // artifact/<relativePath> and testReport/api/json themselves.
  await step("job.create leaves", () => jenkins.job.create("leaves", LEAVES));
  const ln = await step("job.build leaves", async () => started(await jenkins.job.build("leaves")));
  const lb = await step("build.get leaves: artifacts and the TestResultAction", () => finished("leaves", ln), (r) =>
    want(r && r.result === "UNSTABLE" && JSON.stringify(r.artifacts) ===
      '[{"displayPath":"app.bin","fileName":"app.bin","relativePath":"dist/app.bin"}]' &&
      r.actions.some((a) => a && a._class === "hudson.tasks.junit.TestResultAction" && a.failCount === 1 && a.totalCount === 2),
    "want UNSTABLE, dist/app.bin among the artifacts and a TestResultAction of 1 failure in 2 tests"));
  await step("GET the artifact at url + artifact/relativePath", () => fetchText(lb.url + "artifact/" + lb.artifacts[0].relativePath),
    (r) => want(r.status === 200 && r.body === "binary-ish\n", "want 200 and the file's bytes"));
  await step("GET testReport/api/json", () => fetchText(lb.url + "testReport/api/json"), (r) => {
    const rep = r.status === 200 && JSON.parse(r.body);
    return want(rep && rep.failCount === 1 && rep.passCount === 1 && rep.suites[0].cases.some((c) => c.name === "breaks" && c.status === "FAILED"),
      "want 1 failed (breaks) and 1 passed");
  });
  await step("job.destroy leaves", () => jenkins.job.destroy("leaves"));

  await step("job.destroy nj", () => jenkins.job.destroy("nj"));
  console.log("DONE");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
