package tree

import "strings"

// right is one command of an ACL (OMA-TS-DM_TND §7.7.1.5).
type right uint8

const (
	rightAdd right = iota
	rightDelete
	rightExec
	rightGet
	rightReplace
)

var rightNames = [...]string{
	rightAdd:     "Add",
	rightDelete:  "Delete",
	rightExec:    "Exec",
	rightGet:     "Get",
	rightReplace: "Replace",
}

// aclGrants reports whether acl grants command r to server. acl has the grammar
//
//	acl     = "" | entry *( "&" entry )
//	entry   = command "=" servers
//	servers = server *( "+" server )      ; "*" is any server
//
// It allocates nothing.
func aclGrants(acl string, r right, server string) bool {
	cmd := rightNames[r]
	for acl != "" {
		var entry string
		if i := strings.IndexByte(acl, '&'); i >= 0 {
			entry, acl = acl[:i], acl[i+1:]
		} else {
			entry, acl = acl, ""
		}
		eq := strings.IndexByte(entry, '=')
		if eq < 0 || entry[:eq] != cmd {
			continue
		}
		ids := entry[eq+1:]
		for ids != "" {
			var id string
			if i := strings.IndexByte(ids, '+'); i >= 0 {
				id, ids = ids[:i], ids[i+1:]
			} else {
				id, ids = ids, ""
			}
			if id == "*" || id == server {
				return true
			}
		}
	}
	return false
}

// validACL reports whether acl follows the ACL grammar: known commands, non-empty server
// identifiers of printable characters other than '=', '&', '*', '+' and white space, or "*".
func validACL(acl string) bool {
	if acl == "" {
		return true
	}
	for _, entry := range strings.Split(acl, "&") {
		cmd, ids, ok := strings.Cut(entry, "=")
		if !ok {
			return false
		}
		known := false
		for _, n := range rightNames {
			if cmd == n {
				known = true
			}
		}
		if !known || ids == "" {
			return false
		}
		for _, id := range strings.Split(ids, "+") {
			if id == "*" {
				continue
			}
			if id == "" {
				return false
			}
			for i := 0; i < len(id); i++ {
				c := id[i]
				if c <= ' ' || c == 0x7f || c == '=' || c == '&' || c == '*' || c == '+' {
					return false
				}
			}
		}
	}
	return true
}

// aclKeepsRootAdd reports whether acl, as a root ACL, still grants Add to every server, as
// OMA-TS-DM_TND §7.7.1.2 asks so that any server can extend the tree.
func aclKeepsRootAdd(acl string) bool {
	return aclGrants(acl, rightAdd, "\x00nobody")
}
