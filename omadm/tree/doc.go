// Package tree is an in-memory OMA DM 1.2 management tree (OMA-TS-DM_TND-V1_2) with a hash
// index on node paths and optional durable storage. It implements omadm.Tree and its
// optional interfaces CopyTree, ExecTree and AtomicTree.
//
// Nodes are interior or leaf nodes with the properties ACL, Format, Name, Size, Title,
// TStamp, Type and VerNo. ACLs are enforced per server identity and inherited from the
// nearest ancestor that has one; omadm.Local, the device itself, passes every check. Get
// understands ?list=Struct, ?list=StructData and ?prop=P; Replace understands ?prop=ACL,
// ?prop=Name and ?prop=Title. Executable nodes get a handler with SetExec. An OMA DDF 1.2
// document (ParseDDF) describes nodes (Describe) and validates later commands against
// AccessType, Format, Occurrence and Scope; Import also creates the nodes it names.
//
// Usage:
//
//	t := tree.New(tree.Config{})
//	_ = t.Add(omadm.Local, "./PHD/Interval", omadm.Value{Format: omadm.FormatInt, Data: []byte("60")})
//	res, err := t.Get("srv.example", "./PHD/Interval", nil)
//
// With storage, Open recovers the tree from a directory (a snapshot replaced by atomic
// rename, plus an append-only journal whose torn tail is dropped) and writes changes back
// either later (the default: every Config.FlushInterval, when SetConnected reports fewer
// than Config.FlushBelow devices, on Flush and on Close) or before each operation returns
// (Config.WriteThrough):
//
//	t, err := tree.Open(dir, tree.Config{FlushInterval: time.Minute})
//	defer t.Close()
//
// # Buffers
//
// Add and Replace copy the value they are given. Get returns Results whose Data aliases the
// tree's storage, which is never modified in place: callers must not write to it, and it
// stays valid after later changes. Get of one node allocates nothing when dst has room.
//
// # Concurrency
//
// A Tree is safe for concurrent use: Gets run in parallel, changes one at a time, and an
// Atomic holds off other changes until it returns. Exec handlers run without the tree's
// locks. A tree opened in delayed mode runs one write-back goroutine, which Close stops
// after a final write-back.
package tree
