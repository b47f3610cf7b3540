// The benchmark's baseline: the same scene written the straightforward Babylon.js way.
//
// One InstancedMesh per agent (mesh.createInstance), new Vector3/Color4 objects for every
// update, comets and rings created as instances when they start and disposed when they end,
// live comets kept in an array filtered every frame, labels moved with a transform string
// every frame. Same store, same stream, same effects and timings as AgentScene; never
// shipped (bench/panel_render.py builds it into a temporary bundle).

import { Engine } from "@babylonjs/core/Engines/engine";
import { Scene } from "@babylonjs/core/scene";
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector";
import type { Mesh } from "@babylonjs/core/Meshes/mesh";
import type { InstancedMesh } from "@babylonjs/core/Meshes/instancedMesh";
import "@babylonjs/core/Meshes/instancedMesh";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder";

import { STATE_COLORS, parseColor, type RGB } from "../src/lib/colors";
import { FrameTimes } from "../src/lib/frametimes";
import { arcPoint, type Vec3 } from "../src/lib/layout";
import type { AgentStore, StoreChange } from "../src/lib/store";
import type { Stage, StageInfo, ThemeColors } from "../src/panel/stage";

const stateRgb = (state: string): RGB => parseColor(STATE_COLORS[state as keyof typeof STATE_COLORS] ?? "#9e9e9e")!;

interface Comet {
  from: Vec3;
  to: Vec3;
  start: number;
  duration: number;
  trail: InstancedMesh[];
}

interface Ring {
  mesh: InstancedMesh;
  start: number;
  color: RGB;
}

export class NaiveAgentScene implements Stage {
  readonly kind = "webgl" as const;
  readonly frameTimes = new FrameTimes();
  private readonly canvas: HTMLCanvasElement;
  private readonly engine: Engine;
  private readonly scene: Scene;
  private readonly camera: ArcRotateCamera;
  private readonly agentSource: Mesh;
  private readonly cometSource: Mesh;
  private readonly ringSource: Mesh;
  private readonly nodeMaterial: StandardMaterial;
  private readonly instances = new Map<number, InstancedMesh>();
  private readonly labels = new Map<number, HTMLElement>();
  private nodeMeshes: Mesh[] = [];
  private comets: Comet[] = [];
  private rings: Ring[] = [];
  private active = false;
  private frames = 0;
  private cometsShown = 0;
  private lastFrame = 0;
  private structureVersion = -1;
  private fitted = false;
  private readonly renderFrame = () => this.frame();

  constructor(
    private readonly container: HTMLElement,
    private readonly store: AgentStore,
    private readonly clock: () => number,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.style.cssText = "width:100%;height:100%;display:block";
    container.append(this.canvas);
    this.engine = new Engine(this.canvas, true, { stencil: false, antialias: true, powerPreference: "low-power" });
    this.engine.setHardwareScalingLevel(1 / Math.min(window.devicePixelRatio || 1, 2));
    this.scene = new Scene(this.engine);
    this.scene.clearColor = new Color4(0.1, 0.1, 0.1, 1);
    this.camera = new ArcRotateCamera("camera", -Math.PI / 2, 1.05, 20, Vector3.Zero(), this.scene);
    this.camera.minZ = 0.1;
    const light = new HemisphericLight("light", new Vector3(0.3, 1, -0.2), this.scene);
    light.groundColor = new Color3(0.35, 0.35, 0.4);
    const material = new StandardMaterial("agents", this.scene);
    material.specularColor = new Color3(0.25, 0.25, 0.25);
    material.emissiveColor = new Color3(0.18, 0.18, 0.18);
    const flat = (name: string) => {
      const m = new StandardMaterial(name, this.scene);
      m.disableLighting = true;
      m.emissiveColor = new Color3(1, 1, 1);
      return m;
    };
    const source = (mesh: Mesh, mat: StandardMaterial) => {
      mesh.material = mat;
      mesh.registerInstancedBuffer("color", 4);
      mesh.instancedBuffers.color = new Color4(0, 0, 0, 0);
      mesh.position.y = -100; // the source itself stays out of sight
      mesh.isPickable = false;
      return mesh;
    };
    this.agentSource = source(CreateSphere("agents", { diameter: 1, segments: 10 }, this.scene), material);
    this.cometSource = source(CreateSphere("comets", { diameter: 0.35, segments: 6 }, this.scene), flat("comets"));
    this.ringSource = source(CreateTorus("rings", { diameter: 1.4, thickness: 0.06, tessellation: 48 }, this.scene), flat("rings"));
    this.nodeMaterial = new StandardMaterial("nodes", this.scene);
    this.nodeMaterial.diffuseColor = new Color3(0.15, 0.2, 0.25);
  }

  sync(change: StoreChange): void {
    if (this.store.structureVersion !== this.structureVersion) this.rebuild();
    void change;
  }

  select(): void {}

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.lastFrame = this.clock();
      this.engine.resize();
      this.engine.runRenderLoop(this.renderFrame);
    } else {
      this.engine.stopRenderLoop(this.renderFrame);
    }
  }

  setTheme(_theme: ThemeColors): void {}

  resize(): void {
    this.engine.resize();
  }

  info(): StageInfo {
    return {
      renderer: "webgl",
      agents: this.instances.size,
      running: this.active,
      fps: Math.round(this.engine.getFps()),
      frames: this.frames,
      comets: this.cometsShown,
      meshes: this.scene.getActiveMeshes().length,
      timings: this.frameTimes.summary(),
    };
  }

  screenPosition(): { x: number; y: number } | null {
    return null;
  }

  dispose(): void {
    this.setActive(false);
    this.scene.dispose();
    this.engine.dispose();
    this.canvas.remove();
  }

  private rebuild(): void {
    this.structureVersion = this.store.structureVersion;
    for (const [k, instance] of this.instances) {
      if (!this.store.get(k)) {
        instance.dispose();
        this.instances.delete(k);
        this.labels.get(k)?.remove();
        this.labels.delete(k);
      }
    }
    for (const agent of this.store.agents.values()) {
      if (this.instances.has(agent.k)) continue;
      const instance = this.agentSource.createInstance(`agent-${agent.k}`);
      instance.position = new Vector3(...agent.position);
      this.instances.set(agent.k, instance);
      if (agent.protected) {
        const label = document.createElement("div");
        label.textContent = agent.name;
        label.style.cssText = "position:absolute;left:0;top:0;font:12px sans-serif;color:#ddd";
        this.container.append(label);
        this.labels.set(agent.k, label);
      }
    }
    for (const mesh of this.nodeMeshes) mesh.dispose();
    this.nodeMeshes = [...this.store.nodes.values()].map((node) => {
      const disc = CreateCylinder(`node-${node.name}`, { diameter: node.radius * 2, height: 0.12, tessellation: 64 }, this.scene);
      disc.position = new Vector3(node.center[0], -0.06, node.center[2]);
      disc.material = this.nodeMaterial;
      return disc;
    });
    // Frame the world once, like AgentScene.fit().
    if (this.fitted) return;
    this.fitted = true;
    const nodes = [...this.store.nodes.values()];
    const minX = Math.min(...nodes.map((n) => n.center[0] - n.radius));
    const maxX = Math.max(...nodes.map((n) => n.center[0] + n.radius));
    const minZ = Math.min(...nodes.map((n) => n.center[2] - n.radius));
    const maxZ = Math.max(...nodes.map((n) => n.center[2] + n.radius));
    this.camera.target = new Vector3((minX + maxX) / 2, 0.5, (minZ + maxZ) / 2);
    this.camera.radius = Math.max(maxX - minX, maxZ - minZ, 6) * 1.05 + 4;
  }

  private frame(): void {
    const t0 = performance.now();
    const now = this.clock();
    const follow = 1 - Math.exp(-Math.min(0.1, (now - this.lastFrame) / 1000) * 6);
    this.lastFrame = now;
    this.store.drainEffects((effect) => {
      if (effect.type === "spawn" || effect.type === "fail" || effect.type === "remove") {
        const mesh = this.ringSource.createInstance("ring");
        mesh.position = new Vector3(...effect.position);
        this.rings.push({ mesh, start: effect.at, color: stateRgb(effect.type === "spawn" ? "running" : effect.type === "fail" ? "failed" : "stopped") });
      }
    });
    this.store.drainComets((request) => {
      const from = this.instances.get(request.from);
      const to = this.instances.get(request.to);
      if (!from || !to) return;
      for (let n = 0; n < Math.min(request.count, 3); n++) {
        const distance = Vector3.Distance(from.position, to.position);
        this.comets.push({
          from: from.position.asArray() as Vec3,
          to: to.position.asArray() as Vec3,
          start: request.at + n * 140,
          duration: Math.min(1600, Math.max(600, 500 + 60 * distance)),
          trail: Array.from({ length: 6 }, () => this.cometSource.createInstance("comet")),
        });
        this.cometsShown += 1;
      }
    });
    for (const agent of this.store.agents.values()) {
      const instance = this.instances.get(agent.k);
      if (!instance) continue;
      instance.position = Vector3.Lerp(instance.position, new Vector3(...agent.position), follow);
      let scale = agent.protected ? 1.15 : 0.9;
      const sinceBeat = now - agent.lastBeat;
      if (sinceBeat >= 0 && sinceBeat < 450) scale *= 1 + 0.32 * (1 - sinceBeat / 450) ** 2;
      instance.scaling = new Vector3(scale, scale, scale);
      const [r, g, b] = stateRgb(agent.state);
      const sinceFail = now - agent.failedAt;
      const w = sinceFail >= 0 && sinceFail < 900 ? 1 - sinceFail / 900 : 0;
      instance.instancedBuffers.color = new Color4(r + (1 - r) * w, g + (1 - g) * w, b + (1 - b) * w, 1);
    }
    this.comets = this.comets.filter((comet) => {
      const t = (now - comet.start) / comet.duration;
      if (t >= 1.24) {
        comet.trail.forEach((mesh) => mesh.dispose());
        return false;
      }
      comet.trail.forEach((mesh, j) => {
        const tj = Math.min(1, Math.max(0, t - j * 0.04));
        mesh.position = new Vector3(...arcPoint(comet.from, comet.to, tj, [0, 0, 0]));
        const size = j === 0 ? 1 : 0.8 - j * 0.12;
        mesh.scaling = new Vector3(size, size, size);
        mesh.instancedBuffers.color = new Color4(0.01, 0.66, 0.96, 1).scale(1 - j / 6);
      });
      return true;
    });
    this.rings = this.rings.filter((ring) => {
      const t = (now - ring.start) / 900;
      if (t >= 1) {
        ring.mesh.dispose();
        return false;
      }
      const s = 0.6 + 2.4 * Math.max(0, t);
      ring.mesh.scaling = new Vector3(s, s, s);
      ring.mesh.instancedBuffers.color = Color4.FromArray([...ring.color, 1]).scale(1 - Math.max(0, t));
      return true;
    });
    const t1 = performance.now();
    this.scene.render();
    const t2 = performance.now();
    const transform = this.scene.getTransformMatrix();
    const viewport = this.camera.viewport.toGlobal(this.engine.getRenderWidth(), this.engine.getRenderHeight());
    for (const [k, label] of this.labels) {
      const instance = this.instances.get(k);
      if (!instance) continue;
      const p = Vector3.Project(instance.position.add(new Vector3(0, 0.75, 0)), Matrix.Identity(), transform, viewport);
      label.style.transform = `translate(${p.x.toFixed(1)}px, ${p.y.toFixed(1)}px) translate(-50%, -100%)`;
    }
    const t3 = performance.now();
    this.frameTimes.record(t1 - t0 + (t3 - t2), t2 - t1);
    this.frames += 1;
  }
}
