package provision

// Action is what a plan does to one resource.
type Action string

// Actions of a plan. Backends are created, updated, replaced or deleted;
// targets are bound (their value written) or unbound (their value removed).
const (
	NoOp    Action = "no-op"
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
	Bind    Action = "bind"
	Unbind  Action = "unbind"
)

// Symbol is the action's mark in a rendered plan, as Terraform draws them.
func (a Action) Symbol() string {
	switch a {
	case Create, Bind:
		return "+"
	case Update:
		return "~"
	case Replace:
		return "-/+"
	case Delete, Unbind:
		return "-"
	}
	return " "
}

// Change is one step of a plan. It is plain data: views render it, the
// engine applies it.
type Change struct {
	// Address is "redis.NAME" or "target.TYPE.NAME".
	Address string `json:"address"`
	// Redis is the label of the redis block the change concerns (for a
	// target, the one whose URL it receives).
	Redis string `json:"redis"`
	// Type is the backend or target type the change acts on.
	Type   string `json:"type"`
	Action Action `json:"action"`
	// Reason says why, in a few words ("not in state", "budget changed").
	Reason string `json:"reason"`
	// Drift is set when the change repairs something changed outside
	// rediskit ("deleted outside rediskit").
	Drift string `json:"drift,omitempty"`
	// From is the backend type being migrated away from, for a create that
	// switches providers.
	From string `json:"from,omitempty"`
	// Describe names the thing in a person's words ("REDIS_URL in .env").
	Describe string       `json:"describe,omitempty"`
	Attrs    []AttrChange `json:"attrs,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
	// URL is the masked URL a bind writes, when known at plan time.
	URL string `json:"url,omitempty"`

	target *TargetBlock // the stack's target, for binds
	prior  *TargetState // state's target, for unbinds
}

// IsRedis reports whether the change acts on a backend.
func (c *Change) IsRedis() bool { return c.target == nil && c.prior == nil }

// Plan is the ordered list of changes that make reality match the stack.
type Plan struct {
	Changes []*Change `json:"changes"`
	// Destroy marks a plan that removes everything in state.
	Destroy bool `json:"destroy,omitempty"`
	// Lineage and Serial identify the state the plan was made from.
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`

	stack     *Stack
	instances map[string]*Instance // refreshed instances by redis name, active backend
	previous  map[string]*Instance // for a provider switch, the backend switched away from
}

// Summary counts a plan's changes by action.
type Summary struct {
	Create, Update, Replace, Delete, Bind, Unbind int
}

// Summary counts the plan's changes.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Replace:
			s.Replace++
		case Delete:
			s.Delete++
		case Bind:
			s.Bind++
		case Unbind:
			s.Unbind++
		}
	}
	return s
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	return false
}
