// Runs one Argo CD health script in gopher-lua with the libraries Argo CD opens for health
// checks taken from argocd-cm (useOpenLibs off): package, base, table and an os table holding
// only time and date. No string, math, io or debug library is open.
//
// Usage: gopher-lua-runner SCRIPT < object.json
// Prints {"status":…,"message":…} on success; on a Lua error prints it to stderr and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func toLua(L *lua.LState, value interface{}) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []interface{}:
		list := L.CreateTable(len(v), 0)
		for _, item := range v {
			list.Append(toLua(L, item))
		}
		return list
	case map[string]interface{}:
		table := L.CreateTable(0, len(v))
		for key, item := range v {
			table.RawSetH(lua.LString(key), toLua(L, item))
		}
		return table
	}
	return lua.LNil
}

func openArgoLibraries(L *lua.LState) {
	opens := []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, lua.OpenOs},
	}
	for _, lib := range opens {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			panic(err)
		}
	}
	// Argo CD's os holds only time and date.
	full := L.GetGlobal(lua.OsLibName).(*lua.LTable)
	safe := L.NewTable()
	safe.RawSetString("time", full.RawGetString("time"))
	safe.RawSetString("date", full.RawGetString("date"))
	L.SetGlobal(lua.OsLibName, safe)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: gopher-lua-runner SCRIPT < object.json")
	}
	script, err := ioutil.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var object interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&object); err != nil {
		fail("object: %v", err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	openArgoLibraries(L)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	L.SetContext(ctx)
	L.SetGlobal("obj", toLua(L, object))
	if err := L.DoString(string(script)); err != nil {
		fail("%v", err)
	}
	result, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		fail("expect table output from Lua script, not %s", L.Get(-1).Type().String())
	}
	out := map[string]string{}
	for _, field := range []string{"status", "message"} {
		switch value := result.RawGetString(field).(type) {
		case lua.LString:
			out[field] = string(value)
		case *lua.LNilType:
		default:
			fail("%s is a %s, not a string", field, value.Type().String())
		}
	}
	encoded, _ := json.Marshal(out)
	fmt.Println(string(encoded))
}
