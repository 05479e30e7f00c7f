// Package admission checks that a real hub API server rejects invalid Flotilla objects at
// admission, with a message that names the bad field. The table is the contract users see.
package admission
