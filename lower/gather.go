// Gather family and scatters.

package lower

func lowerGather(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gather", xs, map[string]any{"axis": axis}))
	return nil
}

func lowerGatherElements(c *ctx, n *srcNode) error {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gatherElements", xs, map[string]any{"axis": axis}))
	return nil
}

func lowerGatherND(c *ctx, n *srcNode) error {
	if b := attrInt(n, "batch_dims", 0); b != 0 {
		return unsupportedAttr("batch_dims", b)
	}
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "gatherND", xs, nil))
	return nil
}

func checkNoReduction(n *srcNode) error {
	if r := attrString(n, "reduction", "none"); r != "none" {
		return unsupportedAttr("reduction", r)
	}
	return nil
}

func lowerScatterND(c *ctx, n *srcNode) error {
	if err := checkNoReduction(n); err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1, 2)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "scatterND", xs, nil))
	return nil
}

func lowerScatterElements(c *ctx, n *srcNode) error {
	if err := checkNoReduction(n); err != nil {
		return err
	}
	xs, err := c.ins(n, 0, 1, 2)
	if err != nil {
		return err
	}
	r, err := c.rankOf(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), r)
	if err != nil {
		return err
	}
	c.bind(n, 0, c.op(n, "scatterElements", xs, map[string]any{"axis": axis}))
	return nil
}
