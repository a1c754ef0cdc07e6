// An outside verifier built on Go's golang.org/x/mod/sumdb/note and tlog: it checks the log's
// signature on a checkpoint and RFC 6962 inclusion and consistency proofs, as read on stdin.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Note       string   `json:"note"`
	LogKey     string   `json:"log_key"`
	Index      int64    `json:"index"`
	Leaf       string   `json:"leaf"`
	Inclusion  []string `json:"inclusion"`
	First      int64    `json:"first"`
	FirstRoot  string   `json:"first_root"`
	Consistent []string `json:"consistency"`
}

func hashes(in []string) []tlog.Hash {
	out := make([]tlog.Hash, len(in))
	for i, h := range in {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != 32 {
			fail("bad hash")
		}
		copy(out[i][:], raw)
	}
	return out
}

func fail(why string) {
	fmt.Println("FAIL:", why)
	os.Exit(1)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err.Error())
	}
	verifier, err := note.NewVerifier(in.LogKey)
	if err != nil {
		fail(err.Error())
	}
	opened, err := note.Open([]byte(in.Note), note.VerifierList(verifier))
	if err != nil {
		fail(err.Error())
	}
	lines := strings.Split(opened.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, _ := base64.StdEncoding.DecodeString(lines[2])
	var root tlog.Hash
	copy(root[:], rootBytes)
	leaf := hashes([]string{in.Leaf})[0]
	if err := tlog.CheckRecord(hashes(in.Inclusion), size, root, in.Index, leaf); err != nil {
		fail("inclusion: " + err.Error())
	}
	first := hashes([]string{in.FirstRoot})[0]
	if err := tlog.CheckTree(hashes(in.Consistent), size, root, in.First, first); err != nil {
		fail("consistency: " + err.Error())
	}
	fmt.Println("ok", len(opened.Sigs), "verified signature(s),", len(opened.UnverifiedSigs), "other(s)")
}
