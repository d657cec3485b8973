"""python-jenkins (Debian's python3-jenkins 1.4.0) driving jeeves.

Usage: workflow.py URL USER SECRET. Each step prints OK or FAIL with the
call's name; the exit status is the number of failed steps.
"""
import sys
import time

import jenkins

url, user, secret = sys.argv[1:4]
server = jenkins.Jenkins(url, username=user, password=secret, timeout=30)
failures = 0


def step(name, fn, check=lambda r: True):
    global failures
    try:
        result = fn()
    except Exception as e:  # report every failure, not just the first
        failures += 1
        print("FAIL", name, type(e).__name__, str(e)[:400])
        return None
    if not check(result):
        failures += 1
        print("FAIL", name, "unexpected result:", repr(result)[:400])
        return result
    print("OK  ", name)
    return result


PARAMS = """<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>made by python-jenkins</description>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>GREETING</name><defaultValue>hi</defaultValue></hudson.model.StringParameterDefinition>
        <hudson.model.BooleanParameterDefinition><name>VERBOSE</name><defaultValue>false</defaultValue></hudson.model.BooleanParameterDefinition>
        <hudson.model.ChoiceParameterDefinition><name>TARGET</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <builders><hudson.tasks.Shell><command>echo "greeting=$GREETING verbose=$VERBOSE target=$TARGET"</command></hudson.tasks.Shell></builders>
</project>"""
PLAIN = "<project><builders><hudson.tasks.Shell><command>echo plain</command></hudson.tasks.Shell></builders></project>"
SLOW = "<project><builders><hudson.tasks.Shell><command>sleep 30</command></hudson.tasks.Shell></builders></project>"
FOLDER = "<com.cloudbees.hudson.plugins.folder.Folder><description/></com.cloudbees.hudson.plugins.folder.Folder>"
VIEW = """<hudson.model.ListView><name>v</name><jobNames><comparator class="hudson.util.CaseInsensitiveComparator"/><string>pj</string></jobNames><jobFilters/><columns/><recurse>false</recurse></hudson.model.ListView>"""


def started(queue_id):
    """Poll the queue item until it has an executable (as clients must)."""
    for _ in range(3000):
        item = server.get_queue_item(queue_id)
        if item.get("executable"):
            return item["executable"]["number"]
        time.sleep(0.01)
    raise RuntimeError("queue item %d never started" % queue_id)


def finished(name, number):
    for _ in range(3000):
        info = server.get_build_info(name, number)
        if not info["building"]:
            return info
        time.sleep(0.01)
    raise RuntimeError("build never finished")


# The first call authenticates; python-jenkins's get_version() would go
# anonymous otherwise, which a secured Jenkins refuses too.
step("get_whoami", server.get_whoami, lambda r: r["id"] == "admin")
step("get_version", server.get_version, lambda r: r != "")
step("get_info", server.get_info, lambda r: r["mode"] == "NORMAL" and r["useCrumbs"] is True)
step("create_job", lambda: server.create_job("pj", PARAMS))
step("job_exists", lambda: server.job_exists("pj"), lambda r: r is True)
step("job_exists (absent)", lambda: server.job_exists("nope"), lambda r: not r)
step("get_job_config", lambda: server.get_job_config("pj"), lambda r: r == PARAMS)
step("reconfig_job", lambda: server.reconfig_job("pj", PARAMS.replace("made by", "changed by")))
step("get_job_info", lambda: server.get_job_info("pj", depth=1),
     lambda r: r["description"] == "changed by python-jenkins" and r["buildable"])
step("get_job_name", lambda: server.get_job_name("pj"), lambda r: r == "pj")
step("copy_job", lambda: server.copy_job("pj", "pj-copy"))
step("rename_job", lambda: server.rename_job("pj-copy", "pj-renamed"))
step("disable_job", lambda: server.disable_job("pj-renamed"))
step("get_job_info (disabled)", lambda: server.get_job_info("pj-renamed"), lambda r: r["color"] == "disabled")
step("enable_job", lambda: server.enable_job("pj-renamed"))
qid = step("build_job with parameters", lambda: server.build_job("pj", {"GREETING": "hey there", "VERBOSE": True, "TARGET": "prod"}),
           lambda r: isinstance(r, int))
number = step("get_queue_item", lambda: started(qid), lambda r: r == 1)
step("get_build_info", lambda: finished("pj", number),
     lambda r: r["result"] == "SUCCESS" and r["url"].startswith(url))
step("get_build_console_output", lambda: server.get_build_console_output("pj", number),
     lambda r: "greeting=hey there verbose=true target=prod" in r and r.endswith("Finished: SUCCESS\n"))
step("create_job plain", lambda: server.create_job("plain", PLAIN))
qid = step("build_job without parameters", lambda: server.build_job("plain"), lambda r: isinstance(r, int))
step("plain build succeeds", lambda: finished("plain", started(qid)), lambda r: r["result"] == "SUCCESS")
step("create_job slow", lambda: server.create_job("slow", SLOW))
slow = step("build slow", lambda: started(server.build_job("slow")))
step("get_running_builds", server.get_running_builds,
     lambda r: any(b["name"] == "slow" and b["number"] == slow for b in r))
step("stop_build", lambda: server.stop_build("slow", slow))
step("stopped build is ABORTED", lambda: finished("slow", slow), lambda r: r["result"] == "ABORTED")
step("get_queue_info", server.get_queue_info, lambda r: isinstance(r, list))
step("get_nodes", server.get_nodes, lambda r: len(r) == 1 and r[0]["offline"] is False)
step("get_node_info", lambda: server.get_node_info("(master)"), lambda r: r["displayName"] == "Built-In Node")
step("node_exists", lambda: server.node_exists("(master)"), lambda r: r is True)
step("get_views", server.get_views, lambda r: r[0]["name"] == "all")
step("view_exists all", lambda: server.view_exists("all"), lambda r: r is True)
step("create_view", lambda: server.create_view("v", VIEW))
step("get_view_config", lambda: server.get_view_config("v"), lambda r: r == VIEW)
step("reconfig_view", lambda: server.reconfig_view("v", VIEW.replace("<string>pj</string>", "<string>plain</string>")))
step("get_jobs in a view", lambda: server.get_jobs(view_name="v"), lambda r: [j["name"] for j in r] == ["plain"])
step("delete_view", lambda: server.delete_view("v"))
step("view_exists (deleted)", lambda: server.view_exists("v"), lambda r: not r)
step("create a folder", lambda: server.create_job("team", FOLDER))
step("is_folder", lambda: server.is_folder("team"), lambda r: r is True)
step("create_job in a folder", lambda: server.create_job("team/inner", PLAIN))
step("get_all_jobs", server.get_all_jobs,
     lambda r: sorted(j["fullname"] for j in r) == ["pj", "pj-renamed", "plain", "slow", "team", "team/inner"])
step("get_jobs", server.get_jobs, lambda r: len(r) == 5)
step("delete_job", lambda: server.delete_job("pj-renamed"))
step("job_exists (deleted)", lambda: server.job_exists("pj-renamed"), lambda r: not r)
step("get_plugins", lambda: server.get_plugins(), lambda r: len(r) == 0)
step("quiet_down", server.quiet_down)
sys.exit(failures)
