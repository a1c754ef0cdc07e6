// An outside monitor built on Go's golang.org/x/mod/sumdb/tlog: it reads the log's public
// hash tiles over HTTP, through an adapter from Go's tile/H/L/N paths (H = 8) to C2SP
// tlog-tiles' tile/L/N, checks them against the signed checkpoint's root, and proves a leaf's
// inclusion from the tiles alone.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Base    string `json:"base"`
	LogKey  string `json:"log_key"`
	Index   int64  `json:"index"`
	Leaf    string `json:"leaf"`
	Corrupt bool   `json:"corrupt"`
}

// c2sp reads tiles from a tlog-tiles prefix; Go asks for tile/8/L/N, C2SP serves tile/L/N.
type c2sp struct {
	base    string
	corrupt bool
	fetched int
}

func (r *c2sp) Height() int { return 8 }

func (r *c2sp) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		data, err := get(r.base + "/" + path)
		if err != nil {
			return nil, err
		}
		if r.corrupt && r.fetched == 0 {
			data[0] ^= 1
		}
		r.fetched++
		out[i] = data
	}
	return out, nil
}

func (r *c2sp) SaveTiles([]tlog.Tile, [][]byte) {}

func get(url string) ([]byte, error) {
	response, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, response.Status)
	}
	return io.ReadAll(response.Body)
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
	signed, err := get(in.Base + "/checkpoint")
	if err != nil {
		fail(err.Error())
	}
	opened, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: " + err.Error())
	}
	lines := strings.Split(opened.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, _ := base64.StdEncoding.DecodeString(lines[2])
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], rootBytes)

	reader := tlog.TileHashReader(tree, &c2sp{base: in.Base, corrupt: in.Corrupt})
	root, err := tlog.TreeHash(size, reader)
	if err != nil {
		fail("tiles: " + err.Error())
	}
	if root != tree.Hash {
		fail("tiles: root differs from the checkpoint")
	}
	proof, err := tlog.ProveRecord(size, in.Index, reader)
	if err != nil {
		fail("proof from tiles: " + err.Error())
	}
	raw, _ := hex.DecodeString(in.Leaf)
	var leaf tlog.Hash
	copy(leaf[:], raw)
	if err := tlog.CheckRecord(proof, size, tree.Hash, in.Index, leaf); err != nil {
		fail("inclusion from tiles: " + err.Error())
	}
	fmt.Println("ok tiles of", size, "leaves match the checkpoint; leaf", in.Index, "proven")
}
