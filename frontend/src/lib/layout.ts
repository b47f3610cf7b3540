// Where agents and nodes sit in the 3D world (pure, deterministic, tested).
//
// Each node (Home Assistant host, each Pi) is a disc on the ground; its agents sit above
// it on a sunflower spiral (even spacing for any count). Nodes stand on a circle, the
// local node first, spaced so that their discs never overlap.

export type Vec3 = [number, number, number];

export const AGENT_SPACING = 1.6;
export const NODE_MARGIN = 1.5;
export const AGENT_HEIGHT = 1.2;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

export interface LayoutAgent {
  k: number;
  name: string;
  node: string;
  protected: boolean;
}

export interface NodePlacement {
  name: string;
  center: Vec3;
  radius: number;
}

export interface Layout {
  nodes: Map<string, NodePlacement>;
  agents: Map<number, Vec3>;
}

/** Radius of the disc of a node with `count` agents. */
export function nodeRadius(count: number): number {
  return AGENT_SPACING * Math.sqrt(Math.max(count, 1)) + NODE_MARGIN;
}

/** Offset of the i-th agent on a sunflower spiral (i = 0 at the centre). */
export function spiralOffset(index: number): [number, number] {
  if (index === 0) return [0, 0];
  const r = AGENT_SPACING * Math.sqrt(index + 0.5);
  const theta = index * GOLDEN_ANGLE;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** Protected (system) agents first, then by name: stable positions as agents come and go. */
export function agentOrder(a: LayoutAgent, b: LayoutAgent): number {
  if (a.protected !== b.protected) return a.protected ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function computeLayout(
  nodeNames: string[],
  agents: Iterable<LayoutAgent>,
  localNode?: string,
): Layout {
  const groups = new Map<string, LayoutAgent[]>();
  for (const name of nodeNames) groups.set(name, []);
  for (const agent of agents) {
    let group = groups.get(agent.node);
    if (!group) groups.set(agent.node, (group = []));
    group.push(agent);
  }
  const names = [...groups.keys()].sort((a, b) =>
    a === localNode ? -1 : b === localNode ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  const radii = names.map((name) => nodeRadius(groups.get(name)!.length));
  const nodes = new Map<string, NodePlacement>();
  if (names.length === 1) {
    nodes.set(names[0], { name: names[0], center: [0, 0, 0], radius: radii[0] });
  } else if (names.length > 1) {
    // A circle whose circumference fits every disc plus a gap.
    const gap = 2;
    const circumference = radii.reduce((sum, r) => sum + 2 * r + gap, 0);
    const ring = Math.max(circumference / (2 * Math.PI), radii[0] + radii[1] + gap);
    let angle = -Math.PI / 2;
    names.forEach((name, i) => {
      const share = ((2 * radii[i] + gap) / circumference) * 2 * Math.PI;
      const at = angle + share / 2;
      angle += share;
      nodes.set(name, {
        name,
        center: [ring * Math.cos(at), 0, ring * Math.sin(at)],
        radius: radii[i],
      });
    });
  }
  const positions = new Map<number, Vec3>();
  for (const name of names) {
    const node = nodes.get(name)!;
    const members = groups.get(name)!.slice().sort(agentOrder);
    members.forEach((agent, i) => {
      const [dx, dz] = spiralOffset(i);
      positions.set(agent.k, [node.center[0] + dx, AGENT_HEIGHT, node.center[2] + dz]);
    });
  }
  return { nodes, agents: positions };
}

/** Point on the arc from `a` to `b` at t in [0, 1] (a raised quadratic Bezier), into `out`. */
export function arcPoint(a: Vec3, b: Vec3, t: number, out: Vec3): Vec3 {
  const dx = b[0] - a[0];
  const dz = b[2] - a[2];
  const lift = 1 + 0.35 * Math.sqrt(dx * dx + dz * dz);
  const mx = (a[0] + b[0]) / 2;
  const my = (a[1] + b[1]) / 2 + lift;
  const mz = (a[2] + b[2]) / 2;
  const u = 1 - t;
  out[0] = u * u * a[0] + 2 * u * t * mx + t * t * b[0];
  out[1] = u * u * a[1] + 2 * u * t * my + t * t * b[1];
  out[2] = u * u * a[2] + 2 * u * t * mz + t * t * b[2];
  return out;
}
