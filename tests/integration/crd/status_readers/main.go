// status-readers: how Flux and Argo CD read one object, computed by their own code rather than by
// our reading of it. Flux decides health with kstatus (sigs.k8s.io/cli-utils); Argo CD runs a
// resource's health script in gopher-lua, the interpreter it embeds.
//
// Usage: status-readers ARGO_HEALTH.lua < object.json
// Prints one JSON line: {"kstatus":..., "kstatusMessage":..., "argocd":..., "argocdMessage":...}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Kstatus        string `json:"kstatus"`
	KstatusMessage string `json:"kstatusMessage"`
	Argocd         string `json:"argocd"`
	ArgocdMessage  string `json:"argocdMessage"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: status-readers ARGO_HEALTH.lua < object.json")
		os.Exit(2)
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read stdin: %v", err)
	}
	// The Kubernetes JSON decoder keeps integers int64, as kstatus expects.
	object := &unstructured.Unstructured{}
	if err := object.UnmarshalJSON(data); err != nil {
		fail("object: %v", err)
	}
	computed, err := status.Compute(object)
	if err != nil {
		fail("kstatus: %v", err)
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("script: %v", err)
	}
	health, message, err := argoHealth(string(script), object.Object)
	if err != nil {
		fail("argocd health script: %v", err)
	}
	out, _ := json.Marshal(verdict{computed.Status.String(), computed.Message, health, message})
	fmt.Println(string(out))
}

// argoHealth runs the script as Argo CD does: the object as the global `obj`, the script's
// returned table read for `status` and `message`.
func argoHealth(script string, object map[string]interface{}) (string, string, error) {
	state := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer state.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString, lua.OpenMath} {
		state.Push(state.NewFunction(open))
		state.Call(0, 0)
	}
	state.SetGlobal("obj", toLua(state, object))
	if err := state.DoString(script); err != nil {
		return "", "", err
	}
	table, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("the script returned %s, not a table", state.Get(-1).Type())
	}
	return lua.LVAsString(table.RawGetString("status")), lua.LVAsString(table.RawGetString("message")), nil
}

// toLua converts decoded JSON into Lua values: objects and arrays become tables (arrays 1-based).
func toLua(state *lua.LState, value interface{}) lua.LValue {
	switch v := value.(type) {
	case map[string]interface{}:
		table := state.NewTable()
		for key, item := range v {
			table.RawSetString(key, toLua(state, item))
		}
		return table
	case []interface{}:
		table := state.NewTable()
		for _, item := range v {
			table.Append(toLua(state, item))
		}
		return table
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	default:
		return lua.LString(fmt.Sprint(v))
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "status-readers: "+format+"\n", args...)
	os.Exit(1)
}
