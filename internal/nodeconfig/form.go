package nodeconfig

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

// FromForm reads ComputerSet.doCreateItem's json field for a node named
// name (the name parameter wins over the json's "name").
func FromForm(name, form string) (*Node, error) {
	var f map[string]any
	if strings.TrimSpace(form) == "" {
		f = map[string]any{}
	} else if err := json.Unmarshal([]byte(form), &f); err != nil {
		return nil, invalid("the json field is not a JSON object: %v", err)
	}
	n := &Node{
		Name:        strings.TrimSpace(name),
		Description: str(f["nodeDescription"]),
		RemoteFS:    str(f["remoteFS"]),
		Mode:        Mode(strings.TrimSpace(str(f["mode"]))),
		LabelString: str(f["labelString"]),
	}
	if n.Name == "" {
		n.Name = strings.TrimSpace(str(f["name"]))
	}
	var err error
	if n.NumExecutors, err = intField("numExecutors", str(f["numExecutors"]), 1); err != nil {
		return nil, err
	}
	if rs, ok := f["retentionStrategy"].(map[string]any); ok {
		n.Retention.Class = class(rs)
		if n.Retention.InDemandDelay, err = int64Field("retentionStrategy/inDemandDelay", str(rs["inDemandDelay"])); err != nil {
			return nil, err
		}
		if n.Retention.IdleDelay, err = int64Field("retentionStrategy/idleDelay", str(rs["idleDelay"])); err != nil {
			return nil, err
		}
	}
	l, ok := f["launcher"].(map[string]any)
	n.Launcher.Class = ClassJNLPLauncher // Slave.getLauncher's default
	if ok {
		n.Launcher.Class = class(l)
	}
	if n.Launcher.Class == ClassSSHLauncher {
		s := &SSHLauncher{
			Host:          strings.TrimSpace(str(l["host"])),
			CredentialsID: strings.TrimSpace(str(l["credentialsId"])),
			JavaPath:      strings.TrimSpace(str(l["javaPath"])),
			JVMOptions:    strings.TrimSpace(str(l["jvmOptions"])),
			Prefix:        str(l["prefixStartSlaveCmd"]),
			Suffix:        str(l["suffixStartSlaveCmd"]),
			WorkDir:       strings.TrimSpace(str(l["workDir"])),
			TCPNoDelay:    str(l["tcpNoDelay"]) != "false",
		}
		if s.Port, err = intField("launcher/port", str(l["port"]), 0); err != nil {
			return nil, err
		}
		if s.LaunchTimeoutSeconds, err = intField("launcher/launchTimeoutSeconds", str(l["launchTimeoutSeconds"]), 0); err != nil {
			return nil, err
		}
		if s.MaxNumRetries, err = intField("launcher/maxNumRetries", str(l["maxNumRetries"]), -1); err != nil {
			return nil, err
		}
		if s.RetryWaitTime, err = intField("launcher/retryWaitTime", str(l["retryWaitTime"]), -1); err != nil {
			return nil, err
		}
		if hk, ok := l["sshHostKeyVerificationStrategy"].(map[string]any); ok {
			s.HostKey.Class = class(hk)
			v := str(hk["requireInitialManualTrust"])
			s.HostKey.RequireInitialManualTrust = v == "true" || v == "on"
			if s.HostKey.Class == sshagent.ClassManuallyProvided {
				key, err := sshagent.ParseProvidedKey(str(hk["key"]))
				if err != nil {
					return nil, invalid("launcher/sshHostKeyVerificationStrategy/key: %v", err)
				}
				s.HostKey.Key = key
			}
		}
		n.Launcher.SSH = s
	}
	if env, err := formEnv(f["nodeProperties"]); err != nil {
		return nil, err
	} else {
		n.Env = env
	}
	if err := n.normalize(); err != nil {
		return nil, err
	}
	return n, nil
}

// class is a form object's class: "stapler-class", else "$class".
func class(m map[string]any) string {
	if c := str(m["stapler-class"]); c != "" {
		return c
	}
	return str(m["$class"])
}

// formEnv reads the environment variables of the nodeProperties form
// field: {"hudson-slaves-EnvironmentVariablesNodeProperty": {"env":
// [{"key":…,"value":…}]}} as the web form sends it, or a list of
// {"stapler-class": EnvironmentVariablesNodeProperty, "env": …}.
func formEnv(props any) ([]EnvVar, error) {
	var objs []map[string]any
	switch p := props.(type) {
	case map[string]any:
		if o, ok := p["hudson-slaves-EnvironmentVariablesNodeProperty"].(map[string]any); ok {
			objs = append(objs, o)
		}
	case []any:
		for _, x := range p {
			if o, ok := x.(map[string]any); ok && class(o) == ClassEnvProperty {
				objs = append(objs, o)
			}
		}
	}
	var out []EnvVar
	for _, o := range objs {
		var list []any
		switch e := o["env"].(type) {
		case []any:
			list = e
		case map[string]any:
			list = []any{e}
		}
		for _, x := range list {
			kv, ok := x.(map[string]any)
			if !ok {
				return nil, invalid("%s: each variable is an object with key and value", ClassEnvProperty)
			}
			k := strings.TrimSpace(str(kv["key"]))
			if k == "" {
				continue
			}
			out = append(out, EnvVar{k, str(kv["value"])})
		}
	}
	return out, nil
}

// str renders a JSON scalar as text; "" for anything else.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
