package quiltt

// The shapes of the answers to the SDK's GraphQL queries: what checkAnswer
// (graphql_check.go) holds each answer to.

// MaxAccountsPerAnswer is the most accounts one GraphQL answer may list.
// A Profile holds a handful of accounts, a few hundred at the very most: an
// answer listing more is refused with an error wrapping ErrInvalidResponse,
// before any of it is decoded, so that a broken or hostile server cannot
// make a read build millions of objects out of a body within the size cap.
// An answer's errors[] is held to the same number of entries.
const MaxAccountsPerAnswer = 10000

// maxErrorPath bounds the elements of one errors[] entry's path. The
// deepest path of the SDK's queries has four (accounts.3.balance.at).
const maxErrorPath = 32

// valueKind is what JSON a selected field holds.
type valueKind uint8

const (
	vString valueKind = iota // ID, String, an enum, DateTime, Date
	vBool                    // Boolean
	vNumber                  // Float: a JSON number, read by internal/amount
	vAny                     // JSON: any value
	vObject
	vList
)

// shape is the part of the schema a query selects at one position.
type shape struct {
	kind    valueKind
	fields  []shapeField // vObject: the selection, in the query's order
	names   []string     // vObject: the fields' names
	elem    *ref         // vList
	counted bool         // vList: its elements count against MaxAccountsPerAnswer
}

// ref is a use of a shape: a field's type or a list's element type.
type ref struct {
	*shape
	nonNull bool // the schema's "!"
}

// shapeField is one selected field.
type shapeField struct {
	name string
	ref
	required bool // present even though nullable: the root field asked for
}

func nonNull(name string, s *shape) shapeField  { return shapeField{name: name, ref: ref{s, true}} }
func nullable(name string, s *shape) shapeField { return shapeField{name: name, ref: ref{s, false}} }
func rootField(name string, s *shape) shapeField {
	return shapeField{name: name, ref: ref{s, false}, required: true}
}
func object(fields ...shapeField) *shape {
	s := &shape{kind: vObject, fields: fields, names: make([]string, len(fields))}
	for i, f := range fields {
		s.names[i] = f.name
	}
	return s
}

// The selections of internal/graphql/balances.graphql, typed as
// schema.graphql types them. TestAnswerShapesMatchQueries checks them
// against the generated queries and the schema.
var (
	tString = &shape{kind: vString}
	tBool   = &shape{kind: vBool}
	tFloat  = &shape{kind: vNumber}
	tJSON   = &shape{kind: vAny}

	balanceShape = object(
		nonNull("id", tString), nonNull("at", tString), nonNull("source", tString),
		nullable("available", tFloat), nullable("current", tFloat), nullable("limit", tFloat),
	)
	accountShape = object(
		nonNull("id", tString), nonNull("name", tString), nullable("kind", tString),
		nullable("mask", tString), nullable("currencyCode", tString), nonNull("verified", tBool),
		nonNull("state", tString), nonNull("provider", tString),
		nonNull("taxonomy", &shape{kind: vList, elem: &ref{tString, true}}),
		nullable("transactedFirstOn", tString), nullable("transactedLastOn", tString),
		nullable("metadata", tJSON),
		nonNull("institution", object(nonNull("id", tString), nonNull("name", tString))),
		nullable("connection", object(nonNull("id", tString), nonNull("provider", tString), nonNull("status", tString))),
		nullable("balance", balanceShape),
	)

	// answerShapes holds the data shape of each operation, by the
	// operation name genqlient sends.
	answerShapes = map[string]*shape{
		"Accounts": object(rootField("accounts",
			&shape{kind: vList, elem: &ref{accountShape, true}, counted: true})),
		"Account": object(rootField("account", accountShape)),
		"AccountBalance": object(rootField("account",
			object(nonNull("id", tString), nullable("balance", balanceShape)))),
	}
)
