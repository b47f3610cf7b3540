// The 3D view of the agents (Babylon.js), loaded on demand as its own chunk.
//
// Draw calls stay constant with the number of agents: all agents are thin instances of
// one sphere, all comets thin instances of one small sphere, all rings of one torus.
// The frame loop writes into preallocated typed arrays and allocates nothing (no vectors,
// arrays, closures or strings: bench/panel_render.py measures it); buffers are rebuilt only
// when agents come or go. Nothing is drawn while the panel is hidden.

import { Engine } from "@babylonjs/core/Engines/engine";
import { Scene } from "@babylonjs/core/scene";
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraMouseWheelInput";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector";
import { Viewport } from "@babylonjs/core/Maths/math.viewport";
import type { Mesh } from "@babylonjs/core/Meshes/mesh";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder";
import { CreateTube } from "@babylonjs/core/Meshes/Builders/tubeBuilder";
import "@babylonjs/core/Meshes/thinInstanceMesh";
import "@babylonjs/core/Culling/ray";
import { PointerEventTypes } from "@babylonjs/core/Events/pointerEvents";

import { mix, parseColor, type RGB } from "../lib/colors";
import { OFFLINE_COLOR, OFFLINE_DIM, STATE_COLORS } from "../lib/colors";
import { FrameTimes } from "../lib/frametimes";
import { arcPoint, type Vec3 } from "../lib/layout";
import type { AgentStore, CometRequest, Effect, StoreChange } from "../lib/store";
import type { Stage, StageCallbacks, StageInfo, ThemeColors } from "../panel/stage";
import { LabelPin } from "./label-pin";

const COMET_MAX = 48;
const COMET_TRAIL = 6;
const RING_MAX = 32;
const LABEL_ALL_MAX = 40; // above this many agents only selected/hovered/system agents get a label
const BEAT_MS = 450;
const SPAWN_MS = 700;
const FAIL_MS = 900;
const RING_MS = 900;
const RIM_SEGMENTS = 96;

const STATE_RGB: Record<string, RGB> = Object.fromEntries(
  Object.entries(STATE_COLORS).map(([state, hex]) => [state, parseColor(hex)!]),
);
const OFFLINE_RGB = parseColor(OFFLINE_COLOR)!;
/** State colours pulled towards grey: agents whose node is offline. */
const OFFLINE_STATE_RGB: Record<string, RGB> = Object.fromEntries(
  Object.entries(STATE_RGB).map(([state, rgb]) => [state, mix(rgb, OFFLINE_RGB, OFFLINE_DIM)]),
);

interface NodeView {
  disc: Mesh;
  rim: Mesh | null;
  radius: number;
  pin: LabelPin;
}

export interface AgentSceneOptions {
  /** Animation time in ms (default performance.now); a benchmark steps it by a fixed amount per frame. */
  clock?: () => number;
}

const ignore = (): void => undefined;

function easeOutBack(t: number): number {
  const c1 = 1.70158;
  const c3 = c1 + 1;
  return 1 + c3 * (t - 1) ** 3 + c1 * (t - 1) ** 2;
}

/** Write a uniform-scale + translation matrix at `offset` (Babylon's layout). */
function writeMatrix(out: Float32Array, offset: number, s: number, x: number, y: number, z: number): void {
  out[offset] = s;
  out[offset + 1] = 0;
  out[offset + 2] = 0;
  out[offset + 3] = 0;
  out[offset + 4] = 0;
  out[offset + 5] = s;
  out[offset + 6] = 0;
  out[offset + 7] = 0;
  out[offset + 8] = 0;
  out[offset + 9] = 0;
  out[offset + 10] = s;
  out[offset + 11] = 0;
  out[offset + 12] = x;
  out[offset + 13] = y;
  out[offset + 14] = z;
  out[offset + 15] = 1;
}

/** Draw the first `count` thin instances of a pool (none: hide the mesh, else Babylon draws it once as a plain mesh). */
function drawInstances(mesh: Mesh, count: number): void {
  if (mesh.thinInstanceCount !== count) mesh.thinInstanceCount = count;
  mesh.isVisible = count > 0;
}

/** A node's rim: a thin tube around its disc (a torus would need 96x96 vertices for a round ring). */
function createRim(name: string, radius: number, scene: Scene): Mesh {
  const path: Vector3[] = [];
  for (let i = 0; i <= RIM_SEGMENTS; i++) {
    const angle = (i / RIM_SEGMENTS) * 2 * Math.PI;
    path.push(new Vector3(radius * Math.cos(angle), 0, radius * Math.sin(angle)));
  }
  return CreateTube(name, { path, radius: 0.04, tessellation: 8 }, scene);
}

export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

export class AgentScene implements Stage {
  readonly kind = "webgl" as const;
  private readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly labelLayer: HTMLElement;
  private readonly engine: Engine;
  private readonly scene: Scene;
  private readonly camera: ArcRotateCamera;
  private readonly agentMesh: Mesh;
  private readonly cometMesh: Mesh;
  private readonly ringMesh: Mesh;
  private readonly selectionMesh: Mesh;
  private readonly agentMaterial: StandardMaterial;
  private readonly nodeMaterial: StandardMaterial;
  private readonly nodeRimMaterial: StandardMaterial;
  private readonly nodeRimOfflineMaterial: StandardMaterial;
  private readonly selectionMaterial: StandardMaterial;
  private readonly nodeViews = new Map<string, NodeView>();
  private resizeObserver: ResizeObserver | null = null;

  // Agents, by slot (the thin instance index).
  private capacity = 0;
  private count = 0;
  private slotOf = new Map<number, number>();
  private keys = new Int32Array(0);
  private matrices = new Float32Array(0);
  private colors = new Float32Array(0);
  private current = new Float32Array(0);
  private target = new Float32Array(0);
  private baseColor = new Float32Array(0);
  private baseScale = new Float32Array(0);
  private beatAt = new Float64Array(0);
  private spawnAt = new Float64Array(0);
  private failAt = new Float64Array(0);
  private colorsDirty = false;
  private flashing = false;
  private labelsDirty = true;

  // Comets: COMET_MAX comets of COMET_TRAIL instances each.
  private readonly cometMatrices = new Float32Array(COMET_MAX * COMET_TRAIL * 16);
  private readonly cometColors = new Float32Array(COMET_MAX * COMET_TRAIL * 4);
  private readonly cometEnds = new Float32Array(COMET_MAX * 6);
  private readonly cometStart = new Float64Array(COMET_MAX);
  private readonly cometDuration = new Float64Array(COMET_MAX);
  private readonly cometActive = new Uint8Array(COMET_MAX);
  private cometsLive = 0;
  /** Comet slots drawn (the highest live slot + 1): free slots past it cost no vertices. */
  private cometSlotsDrawn = 0;
  private cometsDropped = 0;
  private cometsShown = 0;

  // Rings (spawn, failure, removal).
  private readonly ringMatrices = new Float32Array(RING_MAX * 16);
  private readonly ringColors = new Float32Array(RING_MAX * 4);
  private readonly ringCenter = new Float32Array(RING_MAX * 3);
  private readonly ringColor = new Float32Array(RING_MAX * 3);
  private readonly ringStart = new Float64Array(RING_MAX);
  private readonly ringActive = new Uint8Array(RING_MAX);
  private ringsLive = 0;
  private ringSlotsDrawn = 0;

  // Camera flight, selection, labels.
  private readonly goalTarget = new Vector3(0, 0, 0);
  private goalRadius = 20;
  private flying = false;
  private fitted = false;
  private selected: number | null = null;
  private hovered: number | null = null;
  private readonly labels = new Map<number, LabelPin>();
  private readonly tmpWorld = new Vector3();
  private readonly tmpScreen = new Vector3();
  private readonly tmpPoint: Vec3 = [0, 0, 0];
  private readonly tmpA: Vec3 = [0, 0, 0];
  private readonly tmpB: Vec3 = [0, 0, 0];
  private viewport = new Viewport(0, 0, 1, 1);
  private background: RGB = [0.1, 0.1, 0.1];
  private primary: RGB = [0.01, 0.66, 0.96];
  private active = false;
  private lastFrame = 0;
  private frames = 0;
  private updateMs = 0;
  private renderMs = 0;
  /** The last frames' timings (for benchmarks and sceneInfo). */
  readonly frameTimes = new FrameTimes();
  private structureVersion = -1;
  private readonly clock: () => number;
  // Callbacks made once, so that the frame loop passes them without allocating.
  private readonly onEffect = (effect: Effect) => this.applyEffect(effect);
  private readonly onComet = (comet: CometRequest) => this.launchComets(comet);
  private readonly renderFrame = () => this.frame();
  private readonly placeAgentLabel = (pin: LabelPin, k: number) => this.placeAgentLabelAt(pin, k);
  private readonly placeNodeLabel = (view: NodeView, name: string) => this.placeNodeLabelAt(view.pin, name);

  constructor(
    container: HTMLElement,
    private readonly store: AgentStore,
    private readonly callbacks: StageCallbacks,
    options: AgentSceneOptions = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.root = document.createElement("div");
    this.root.className = "scene-stage";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "scene-canvas";
    this.canvas.setAttribute("aria-label", "3D view of the agents");
    this.canvas.tabIndex = 0;
    this.labelLayer = document.createElement("div");
    this.labelLayer.className = "label-layer";
    this.root.append(this.canvas, this.labelLayer);
    container.append(this.root);

    this.engine = new Engine(this.canvas, true, {
      preserveDrawingBuffer: false,
      stencil: false,
      antialias: true,
      powerPreference: "low-power",
      doNotHandleContextLost: false,
    });
    this.engine.setHardwareScalingLevel(1 / Math.min(window.devicePixelRatio || 1, 2));
    const scene = (this.scene = new Scene(this.engine));
    scene.skipPointerMovePicking = true;
    scene.clearColor = new Color4(0.1, 0.1, 0.1, 1);

    const camera = (this.camera = new ArcRotateCamera("camera", -Math.PI / 2, 1.05, 20, Vector3.Zero(), scene));
    camera.lowerRadiusLimit = 3;
    camera.upperRadiusLimit = 400;
    camera.upperBetaLimit = Math.PI / 2 - 0.05;
    camera.wheelDeltaPercentage = 0.02;
    camera.panningSensibility = 60;
    camera.minZ = 0.1;
    camera.attachControl(this.canvas, true);
    camera.onViewMatrixChangedObservable.add(() => (this.labelsDirty = true));
    this.canvas.addEventListener("pointerdown", () => (this.flying = false));
    this.canvas.addEventListener("wheel", () => (this.flying = false), { passive: true });

    const light = new HemisphericLight("light", new Vector3(0.3, 1, -0.2), scene);
    light.intensity = 1.0;
    light.groundColor = new Color3(0.35, 0.35, 0.4);

    const agentMaterial = (this.agentMaterial = new StandardMaterial("agents", scene));
    agentMaterial.diffuseColor = new Color3(1, 1, 1);
    agentMaterial.specularColor = new Color3(0.25, 0.25, 0.25);
    agentMaterial.emissiveColor = new Color3(0.18, 0.18, 0.18);
    const agentMesh = (this.agentMesh = CreateSphere("agents", { diameter: 1, segments: 10 }, scene));
    agentMesh.material = agentMaterial;
    agentMesh.alwaysSelectAsActiveMesh = true;
    agentMesh.thinInstanceEnablePicking = true;
    agentMesh.isPickable = true;

    // Unlit: with lighting disabled only the emissive colour counts (times the instance colour).
    const flat = (name: string) => {
      const material = new StandardMaterial(name, scene);
      material.disableLighting = true;
      material.diffuseColor = new Color3(0, 0, 0);
      material.specularColor = new Color3(0, 0, 0);
      material.emissiveColor = new Color3(1, 1, 1);
      return material;
    };
    const cometMesh = (this.cometMesh = CreateSphere("comets", { diameter: 0.35, segments: 6 }, scene));
    cometMesh.material = flat("comets");
    cometMesh.alwaysSelectAsActiveMesh = true;
    cometMesh.isPickable = false;
    for (let i = 0; i < COMET_MAX * COMET_TRAIL; i++) writeMatrix(this.cometMatrices, i * 16, 0, 0, -100, 0);
    for (let i = 0; i < RING_MAX; i++) writeMatrix(this.ringMatrices, i * 16, 0, 0, -100, 0);
    cometMesh.thinInstanceSetBuffer("matrix", this.cometMatrices, 16, false);
    cometMesh.thinInstanceSetBuffer("color", this.cometColors, 4, false);
    drawInstances(cometMesh, 0);

    const ringMesh = (this.ringMesh = CreateTorus("rings", { diameter: 1.4, thickness: 0.06, tessellation: 48 }, scene));
    ringMesh.material = flat("rings");
    ringMesh.alwaysSelectAsActiveMesh = true;
    ringMesh.isPickable = false;
    ringMesh.thinInstanceSetBuffer("matrix", this.ringMatrices, 16, false);
    ringMesh.thinInstanceSetBuffer("color", this.ringColors, 4, false);
    drawInstances(ringMesh, 0);

    this.selectionMaterial = flat("selection");
    const selectionMesh = (this.selectionMesh = CreateTorus("selection", { diameter: 1.5, thickness: 0.07, tessellation: 48 }, scene));
    selectionMesh.material = this.selectionMaterial;
    selectionMesh.isPickable = false;
    selectionMesh.setEnabled(false);

    this.nodeMaterial = new StandardMaterial("nodes", scene);
    this.nodeMaterial.specularColor = new Color3(0, 0, 0);
    this.nodeRimMaterial = flat("node-rims");
    this.nodeRimOfflineMaterial = flat("node-rims-offline");

    scene.onPointerObservable.add((info) => {
      if (info.type === PointerEventTypes.POINTERTAP) {
        const k = this.pickAt(scene.pointerX, scene.pointerY);
        this.callbacks.onSelect(k);
      } else if (info.type === PointerEventTypes.POINTERMOVE) {
        this.hoverAt(scene.pointerX, scene.pointerY);
      }
    });

    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => this.resize());
      this.resizeObserver.observe(this.root);
    }
    this.rebuild();
    this.resize();
  }

  // -- Stage ---------------------------------------------------------------------------
  sync(change: StoreChange): void {
    if (change.reset) {
      this.fitted = false;
      for (let i = 0; i < COMET_MAX; i++) this.cometActive[i] = 0;
      this.cometsLive = 0;
    }
    if (this.store.structureVersion !== this.structureVersion) this.rebuild();
    if (change.changed.size) {
      for (const k of change.changed) this.refreshColor(k);
    }
    if (!this.active) {
      // Hidden: effects would play late; drop them (the store bounds them anyway).
      this.store.drainEffects(ignore);
      this.store.drainComets(ignore);
    }
  }

  select(k: number | null): void {
    this.selected = k;
    if (k === null) {
      this.selectionMesh.setEnabled(false);
    } else {
      const slot = this.slotOf.get(k);
      if (slot !== undefined) {
        this.goalTarget.set(this.target[slot * 3], this.target[slot * 3 + 1], this.target[slot * 3 + 2]);
        this.goalRadius = Math.min(this.camera.radius, 9);
        this.flying = true;
        this.selectionMesh.setEnabled(true);
      }
    }
    this.syncLabels();
  }

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.lastFrame = this.clock();
      this.resize();
      this.engine.runRenderLoop(this.renderFrame);
    } else {
      this.engine.stopRenderLoop(this.renderFrame);
    }
  }

  setTheme(theme: ThemeColors): void {
    this.background = theme.background;
    this.primary = theme.primary;
    const [r, g, b] = theme.background;
    this.scene.clearColor = new Color4(r, g, b, 1);
    const disc = mix(theme.background, theme.primary, theme.dark ? 0.12 : 0.08);
    this.nodeMaterial.diffuseColor = new Color3(...disc);
    this.nodeMaterial.emissiveColor = new Color3(...mix(disc, [0, 0, 0], 0.4));
    this.nodeRimMaterial.emissiveColor = new Color3(...mix(theme.background, theme.primary, 0.6));
    this.nodeRimOfflineMaterial.emissiveColor = new Color3(...mix(theme.background, OFFLINE_RGB, 0.45));
    this.selectionMaterial.emissiveColor = new Color3(...theme.primary);
    this.agentMaterial.emissiveColor = theme.dark ? new Color3(0.22, 0.22, 0.22) : new Color3(0.12, 0.12, 0.12);
    this.root.classList.toggle("dark", theme.dark);
  }

  resize(): void {
    this.labelsDirty = true;
    this.engine.resize();
    this.viewport = this.camera.viewport.toGlobal(this.engine.getRenderWidth(), this.engine.getRenderHeight());
  }

  info(): StageInfo {
    return {
      renderer: "webgl",
      agents: this.agentMesh.thinInstanceCount,
      running: this.active,
      fps: Math.round(this.engine.getFps()),
      frames: this.frames,
      comets: this.cometsShown,
      meshes: this.scene.getActiveMeshes().length,
      updateMs: Number(this.updateMs.toFixed(3)),
      renderMs: Number(this.renderMs.toFixed(3)),
      timings: this.frameTimes.summary(),
    };
  }

  screenPosition(k: number): { x: number; y: number } | null {
    const slot = this.slotOf.get(k);
    if (slot === undefined) return null;
    this.project(this.current[slot * 3], this.current[slot * 3 + 1], this.current[slot * 3 + 2]);
    const scale = this.engine.getHardwareScalingLevel();
    return { x: this.tmpScreen.x * scale, y: this.tmpScreen.y * scale };
  }

  dispose(): void {
    this.setActive(false);
    this.resizeObserver?.disconnect();
    this.scene.dispose();
    this.engine.dispose();
    this.root.remove();
  }

  // -- structure -----------------------------------------------------------------------
  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let capacity = Math.max(16, this.capacity);
    while (capacity < needed) capacity *= 2;
    const grow = <T extends Float32Array | Float64Array | Int32Array>(old: T, size: number, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old.subarray(0, Math.min(old.length, size)) as never);
      return next;
    };
    this.keys = grow(this.keys, capacity, (n) => new Int32Array(n));
    this.matrices = new Float32Array(capacity * 16);
    this.colors = new Float32Array(capacity * 4);
    this.current = grow(this.current, capacity * 3, (n) => new Float32Array(n));
    this.target = new Float32Array(capacity * 3);
    this.baseColor = new Float32Array(capacity * 3);
    this.baseScale = new Float32Array(capacity);
    this.beatAt = new Float64Array(capacity);
    this.spawnAt = new Float64Array(capacity);
    this.failAt = new Float64Array(capacity);
    this.capacity = capacity;
  }

  /** Agents came or went: lay the slots out again, keeping where known agents are now. */
  private rebuild(): void {
    this.structureVersion = this.store.structureVersion;
    const agents = this.store.list();
    const previous = new Map<number, [number, number, number]>();
    for (const [k, slot] of this.slotOf) {
      previous.set(k, [this.current[slot * 3], this.current[slot * 3 + 1], this.current[slot * 3 + 2]]);
    }
    const oldBeat = new Map<number, number>();
    for (const [k, slot] of this.slotOf) oldBeat.set(k, this.beatAt[slot]);
    this.ensureCapacity(agents.length);
    this.slotOf.clear();
    this.count = agents.length;
    agents.forEach((agent, slot) => {
      this.slotOf.set(agent.k, slot);
      this.keys[slot] = agent.k;
      const [x, y, z] = agent.position;
      this.target[slot * 3] = x;
      this.target[slot * 3 + 1] = y;
      this.target[slot * 3 + 2] = z;
      const from = previous.get(agent.k) ?? agent.position;
      this.current[slot * 3] = from[0];
      this.current[slot * 3 + 1] = from[1];
      this.current[slot * 3 + 2] = from[2];
      this.baseScale[slot] = agent.protected ? 1.15 : 0.9;
      this.beatAt[slot] = oldBeat.get(agent.k) ?? agent.lastBeat;
      this.spawnAt[slot] = agent.spawnedAt;
      this.failAt[slot] = agent.failedAt;
      this.setBaseColor(slot, agent.state, this.store.isOffline(agent));
    });
    this.writeAgentBuffers(this.clock());
    this.agentMesh.thinInstanceSetBuffer("matrix", this.matrices.subarray(0, this.count * 16), 16, false);
    this.agentMesh.thinInstanceSetBuffer("color", this.colors.subarray(0, this.count * 4), 4, false);
    this.agentMesh.thinInstanceCount = this.count;
    this.buildNodes();
    this.syncLabels();
    if (!this.fitted && this.count > 0) this.fit();
    if (this.selected !== null && !this.slotOf.has(this.selected)) this.select(null);
  }

  /** Discs, rims and labels of the nodes; kept across rebuilds (a rim is remade only when its radius changes). */
  private buildNodes(): void {
    for (const [name, view] of this.nodeViews) {
      if (this.store.nodes.has(name)) continue;
      view.disc.dispose();
      view.rim?.dispose();
      view.pin.remove();
      this.nodeViews.delete(name);
    }
    for (const node of this.store.nodes.values()) {
      let view = this.nodeViews.get(node.name);
      if (!view) {
        const disc = CreateCylinder(`node-${node.name}`, { diameter: 1, height: 0.12, tessellation: 64 }, this.scene);
        disc.material = this.nodeMaterial;
        disc.isPickable = false;
        const label = document.createElement("div");
        label.className = "node-label";
        this.labelLayer.append(label);
        view = { disc, rim: null, radius: -1, pin: new LabelPin(label, "below") };
        this.nodeViews.set(node.name, view);
      }
      let rim = view.rim;
      if (!rim || view.radius !== node.radius) {
        rim?.dispose();
        rim = view.rim = createRim(`rim-${node.name}`, node.radius, this.scene);
        rim.isPickable = false;
        view.radius = node.radius;
      }
      rim.material = node.online ? this.nodeRimMaterial : this.nodeRimOfflineMaterial;
      view.disc.visibility = node.online ? 1 : 0.45;
      rim.position.set(node.center[0], 0.02, node.center[2]);
      view.disc.scaling.set(node.radius * 2, 1, node.radius * 2);
      view.disc.position.set(node.center[0], -0.06, node.center[2]);
      const label = view.pin.el;
      label.textContent = node.local
        ? `${node.name} · this Home Assistant`
        : `${node.name} · edge node${node.online ? "" : " · offline"}`;
      label.classList.toggle("offline", !node.online);
      label.dataset.online = String(node.online);
    }
  }

  /** Frame the whole world (first snapshot). */
  private fit(): void {
    let minX = Infinity;
    let maxX = -Infinity;
    let minZ = Infinity;
    let maxZ = -Infinity;
    for (const node of this.store.nodes.values()) {
      minX = Math.min(minX, node.center[0] - node.radius);
      maxX = Math.max(maxX, node.center[0] + node.radius);
      minZ = Math.min(minZ, node.center[2] - node.radius);
      maxZ = Math.max(maxZ, node.center[2] + node.radius);
    }
    if (!Number.isFinite(minX)) return;
    const extent = Math.max(maxX - minX, maxZ - minZ, 6);
    this.camera.target.set((minX + maxX) / 2, 0.5, (minZ + maxZ) / 2);
    this.camera.radius = extent * 1.05 + 4;
    this.goalTarget.copyFrom(this.camera.target);
    this.goalRadius = this.camera.radius;
    this.fitted = true;
  }

  private setBaseColor(slot: number, state: string, offline: boolean): void {
    const table = offline ? OFFLINE_STATE_RGB : STATE_RGB;
    const rgb = table[state] ?? table.stopped;
    this.baseColor[slot * 3] = rgb[0];
    this.baseColor[slot * 3 + 1] = rgb[1];
    this.baseColor[slot * 3 + 2] = rgb[2];
    this.colorsDirty = true;
  }

  private refreshColor(k: number): void {
    const slot = this.slotOf.get(k);
    const agent = this.store.get(k);
    if (slot === undefined || !agent) return;
    this.setBaseColor(slot, agent.state, this.store.isOffline(agent));
    this.failAt[slot] = agent.failedAt;
  }

  // -- effects -------------------------------------------------------------------------
  private applyEffect(effect: Effect): void {
    const slot = this.slotOf.get(effect.k);
    switch (effect.type) {
      case "beat":
        if (slot !== undefined) this.beatAt[slot] = effect.at;
        break;
      case "spawn":
        if (slot !== undefined) this.spawnAt[slot] = effect.at;
        this.addRing(effect.position, STATE_RGB.running, effect.at);
        break;
      case "fail":
        if (slot !== undefined) this.failAt[slot] = effect.at;
        this.addRing(effect.position, STATE_RGB.failed, effect.at);
        break;
      case "remove":
        this.addRing(effect.position, STATE_RGB.stopped, effect.at);
        break;
      case "state":
        if (slot !== undefined) this.colorsDirty = true;
        break;
    }
  }

  private addRing(position: Vec3, color: RGB, at: number): void {
    // The lowest free slot (few slots drawn); all busy: the oldest ring makes way.
    let i = 0;
    for (let j = 0; j < RING_MAX; j++) {
      if (!this.ringActive[j]) {
        i = j;
        break;
      }
      if (this.ringStart[j] < this.ringStart[i]) i = j;
    }
    if (!this.ringActive[i]) this.ringsLive += 1;
    this.ringActive[i] = 1;
    this.ringStart[i] = at;
    this.ringCenter[i * 3] = position[0];
    this.ringCenter[i * 3 + 1] = position[1];
    this.ringCenter[i * 3 + 2] = position[2];
    this.ringColor[i * 3] = color[0];
    this.ringColor[i * 3 + 1] = color[1];
    this.ringColor[i * 3 + 2] = color[2];
  }

  private launchComets(request: CometRequest): void {
    const from = this.slotOf.get(request.from);
    const to = this.slotOf.get(request.to);
    if (from === undefined || to === undefined) return;
    const shots = Math.min(request.count, 3);
    for (let n = 0; n < shots; n++) {
      let free = -1;
      for (let i = 0; i < COMET_MAX; i++) {
        if (!this.cometActive[i]) {
          free = i;
          break;
        }
      }
      if (free < 0) {
        this.cometsDropped += shots - n;
        return;
      }
      const e = free * 6;
      for (let c = 0; c < 3; c++) {
        this.cometEnds[e + c] = this.current[from * 3 + c];
        this.cometEnds[e + 3 + c] = this.current[to * 3 + c];
      }
      const dx = this.cometEnds[e + 3] - this.cometEnds[e];
      const dz = this.cometEnds[e + 5] - this.cometEnds[e + 2];
      this.cometActive[free] = 1;
      this.cometStart[free] = request.at + n * 140;
      this.cometDuration[free] = Math.min(1600, Math.max(600, 500 + 60 * Math.hypot(dx, dz)));
      this.cometsLive += 1;
      this.cometsShown += 1;
    }
  }

  // -- frame ---------------------------------------------------------------------------
  private frame(): void {
    const t0 = performance.now();
    const now = this.clock();
    const dt = Math.min(0.1, (now - this.lastFrame) / 1000);
    this.lastFrame = now;
    this.store.drainEffects(this.onEffect);
    this.store.drainComets(this.onComet);
    const colorsChanged = this.writeAgentBuffers(now, dt);
    this.agentMesh.thinInstanceBufferUpdated("matrix");
    if (colorsChanged) this.agentMesh.thinInstanceBufferUpdated("color");
    this.updateComets(now);
    this.updateRings(now);
    this.updateSelection(now);
    this.updateCamera(dt);
    const t1 = performance.now();
    this.scene.render();
    const t2 = performance.now();
    if (this.labelsDirty) this.updateLabels();
    const t3 = performance.now();
    // Our per-frame work (updates + labels) and Babylon's render call.
    const updateMs = t1 - t0 + (t3 - t2);
    this.frameTimes.record(updateMs, t2 - t1);
    this.updateMs += (updateMs - this.updateMs) * 0.05;
    this.renderMs += (t2 - t1 - this.renderMs) * 0.05;
    this.frames += 1;
  }

  /** Write every agent's matrix (and colours when needed); return true if colours changed. */
  private writeAgentBuffers(now: number, dt = 0): boolean {
    const follow = dt > 0 ? 1 - Math.exp(-dt * 6) : 1;
    const writeColors = this.colorsDirty || this.flashing;
    let flashing = false;
    let moving = false;
    for (let slot = 0; slot < this.count; slot++) {
      const p = slot * 3;
      const dx = this.target[p] - this.current[p];
      const dy = this.target[p + 1] - this.current[p + 1];
      const dz = this.target[p + 2] - this.current[p + 2];
      if (dx * dx + dy * dy + dz * dz > 1e-6) moving = true;
      let x = (this.current[p] += dx * follow);
      const y = (this.current[p + 1] += dy * follow);
      let z = (this.current[p + 2] += dz * follow);
      let scale = this.baseScale[slot];
      const sinceBeat = now - this.beatAt[slot];
      if (sinceBeat >= 0 && sinceBeat < BEAT_MS) {
        const t = 1 - sinceBeat / BEAT_MS;
        scale *= 1 + 0.32 * t * t;
      }
      const sinceSpawn = now - this.spawnAt[slot];
      if (sinceSpawn >= 0 && sinceSpawn < SPAWN_MS) scale *= Math.max(0.01, easeOutBack(sinceSpawn / SPAWN_MS));
      const sinceFail = now - this.failAt[slot];
      const c = slot * 4;
      if (sinceFail >= 0 && sinceFail < FAIL_MS) {
        // Shake and flash between white and the state colour.
        const t = sinceFail / FAIL_MS;
        const shake = 0.18 * (1 - t);
        x += Math.sin(sinceFail * 0.09) * shake;
        z += Math.cos(sinceFail * 0.11) * shake;
        const w = (1 - t) * (0.5 + 0.5 * Math.sin(sinceFail * 0.03));
        this.colors[c] = this.baseColor[p] + (1 - this.baseColor[p]) * w;
        this.colors[c + 1] = this.baseColor[p + 1] + (1 - this.baseColor[p + 1]) * w;
        this.colors[c + 2] = this.baseColor[p + 2] + (1 - this.baseColor[p + 2]) * w;
        this.colors[c + 3] = 1;
        flashing = true;
      } else if (writeColors) {
        this.colors[c] = this.baseColor[p];
        this.colors[c + 1] = this.baseColor[p + 1];
        this.colors[c + 2] = this.baseColor[p + 2];
        this.colors[c + 3] = 1;
      }
      writeMatrix(this.matrices, slot * 16, scale, x, y, z);
    }
    this.colorsDirty = false;
    this.flashing = flashing;
    if (moving) this.labelsDirty = true;
    return writeColors || flashing;
  }

  private updateComets(now: number): void {
    if (this.cometsLive === 0 && this.cometSlotsDrawn === 0) return;
    let high = 0;
    const pr = this.primary[0];
    const pg = this.primary[1];
    const pb = this.primary[2];
    for (let i = 0; i < COMET_MAX; i++) {
      const base = i * COMET_TRAIL;
      if (!this.cometActive[i]) continue; // (hidden when it ended)
      const t = (now - this.cometStart[i]) / this.cometDuration[i];
      if (t >= 1 + COMET_TRAIL * 0.04) {
        this.cometActive[i] = 0;
        this.cometsLive -= 1;
        for (let j = 0; j < COMET_TRAIL; j++) writeMatrix(this.cometMatrices, (base + j) * 16, 0, 0, -100, 0);
        continue;
      }
      high = i + 1;
      const e = i * 6;
      this.tmpA[0] = this.cometEnds[e];
      this.tmpA[1] = this.cometEnds[e + 1];
      this.tmpA[2] = this.cometEnds[e + 2];
      this.tmpB[0] = this.cometEnds[e + 3];
      this.tmpB[1] = this.cometEnds[e + 4];
      this.tmpB[2] = this.cometEnds[e + 5];
      for (let j = 0; j < COMET_TRAIL; j++) {
        const tj = t - j * 0.04;
        const index = base + j;
        if (tj < 0 || tj > 1) {
          writeMatrix(this.cometMatrices, index * 16, 0, 0, -100, 0);
          continue;
        }
        arcPoint(this.tmpA, this.tmpB, tj, this.tmpPoint);
        const size = j === 0 ? 1 : 0.8 - j * 0.12;
        writeMatrix(this.cometMatrices, index * 16, size, this.tmpPoint[0], this.tmpPoint[1], this.tmpPoint[2]);
        const fade = j === 0 ? 1 : 1 - j / COMET_TRAIL;
        const c = index * 4;
        // Head white-hot, tail in the theme's primary colour fading into the background.
        const head = j === 0 ? 0.6 : 0;
        this.cometColors[c] = this.background[0] + (pr + (1 - pr) * head - this.background[0]) * fade;
        this.cometColors[c + 1] = this.background[1] + (pg + (1 - pg) * head - this.background[1]) * fade;
        this.cometColors[c + 2] = this.background[2] + (pb + (1 - pb) * head - this.background[2]) * fade;
        this.cometColors[c + 3] = 1;
      }
    }
    this.cometSlotsDrawn = high;
    drawInstances(this.cometMesh, high * COMET_TRAIL);
    if (high === 0) return;
    this.cometMesh.thinInstanceBufferUpdated("matrix");
    this.cometMesh.thinInstanceBufferUpdated("color");
  }

  private updateRings(now: number): void {
    if (this.ringsLive === 0 && this.ringSlotsDrawn === 0) return;
    let high = 0;
    for (let i = 0; i < RING_MAX; i++) {
      if (!this.ringActive[i]) continue; // (hidden when it ended)
      const t = (now - this.ringStart[i]) / RING_MS;
      if (t >= 1) {
        this.ringActive[i] = 0;
        this.ringsLive -= 1;
        writeMatrix(this.ringMatrices, i * 16, 0, 0, -100, 0);
        continue;
      }
      high = i + 1;
      const s = 0.6 + 2.4 * Math.max(0, t);
      writeMatrix(this.ringMatrices, i * 16, s, this.ringCenter[i * 3], this.ringCenter[i * 3 + 1], this.ringCenter[i * 3 + 2]);
      const fade = 1 - Math.max(0, t);
      for (let c = 0; c < 3; c++) {
        this.ringColors[i * 4 + c] = this.background[c] + (this.ringColor[i * 3 + c] - this.background[c]) * fade;
      }
      this.ringColors[i * 4 + 3] = 1;
    }
    this.ringSlotsDrawn = high;
    drawInstances(this.ringMesh, high);
    if (high === 0) return;
    this.ringMesh.thinInstanceBufferUpdated("matrix");
    this.ringMesh.thinInstanceBufferUpdated("color");
  }

  private updateSelection(now: number): void {
    if (this.selected === null) return;
    const slot = this.slotOf.get(this.selected);
    if (slot === undefined) return;
    const mesh = this.selectionMesh;
    mesh.position.set(this.current[slot * 3], this.current[slot * 3 + 1], this.current[slot * 3 + 2]);
    const s = this.baseScale[slot] * (1.1 + 0.08 * Math.sin(now / 220));
    mesh.scaling.set(s, s, s);
    mesh.rotation.x = 0.35 * Math.sin(now / 900);
  }

  private updateCamera(dt: number): void {
    if (!this.flying) return;
    const camera = this.camera;
    const k = 1 - Math.exp(-dt * 4);
    const target = camera.target;
    target.x += (this.goalTarget.x - target.x) * k;
    target.y += (this.goalTarget.y - target.y) * k;
    target.z += (this.goalTarget.z - target.z) * k;
    camera.radius += (this.goalRadius - camera.radius) * k;
    if (Vector3.DistanceSquared(target, this.goalTarget) < 1e-4 && Math.abs(camera.radius - this.goalRadius) < 0.01) {
      this.flying = false;
    }
  }

  // -- picking and labels -------------------------------------------------------------
  private pickAt(x: number, y: number): number | null {
    const pick = this.scene.pick(x, y, (mesh) => mesh === this.agentMesh);
    if (!pick?.hit || pick.thinInstanceIndex === undefined || pick.thinInstanceIndex < 0) return null;
    const slot = pick.thinInstanceIndex;
    return slot < this.count ? this.keys[slot] : null;
  }

  private hoverAt(x: number, y: number): void {
    const k = this.pickAt(x, y);
    if (k === this.hovered) return;
    this.hovered = k;
    this.canvas.style.cursor = k === null ? "" : "pointer";
    if (this.count > LABEL_ALL_MAX) this.syncLabels();
  }

  /** Which agents carry a label: all of few; else selected, hovered and system agents. */
  private syncLabels(): void {
    const wanted = new Set<number>();
    if (this.count <= LABEL_ALL_MAX) {
      for (const k of this.slotOf.keys()) wanted.add(k);
    } else {
      for (const [k] of this.slotOf) if (this.store.get(k)?.protected) wanted.add(k);
      if (this.hovered !== null) wanted.add(this.hovered);
    }
    if (this.selected !== null && this.slotOf.has(this.selected)) wanted.add(this.selected);
    for (const [k, pin] of this.labels) {
      if (!wanted.has(k)) {
        pin.remove();
        this.labels.delete(k);
      }
    }
    for (const k of wanted) {
      const agent = this.store.get(k);
      if (!agent) continue;
      let pin = this.labels.get(k);
      if (!pin) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "agent-label";
        button.addEventListener("click", () => this.callbacks.onSelect(k));
        this.labelLayer.append(button);
        pin = new LabelPin(button, "above");
        this.labels.set(k, pin);
      }
      const label = pin.el;
      label.textContent = agent.name;
      label.dataset.agent = agent.name;
      label.classList.toggle("selected", k === this.selected);
    }
    this.labelsDirty = true;
  }

  private project(x: number, y: number, z: number): Vector3 {
    this.tmpWorld.set(x, y, z);
    Vector3.ProjectToRef(this.tmpWorld, Matrix.IdentityReadOnly, this.scene.getTransformMatrix(), this.viewport, this.tmpScreen);
    return this.tmpScreen;
  }

  private updateLabels(): void {
    this.labelsDirty = false;
    this.labels.forEach(this.placeAgentLabel);
    this.nodeViews.forEach(this.placeNodeLabel);
  }

  private placeAgentLabelAt(pin: LabelPin, k: number): void {
    const slot = this.slotOf.get(k);
    if (slot === undefined) return;
    const p = this.project(this.current[slot * 3], this.current[slot * 3 + 1] + 0.75, this.current[slot * 3 + 2]);
    const scale = this.engine.getHardwareScalingLevel();
    pin.moveTo(p.x * scale, p.y * scale, p.z > 0 && p.z < 1);
  }

  private placeNodeLabelAt(pin: LabelPin, name: string): void {
    const node = this.store.nodes.get(name);
    if (!node) return;
    const p = this.project(node.center[0], 0, node.center[2] - node.radius - 0.3);
    const scale = this.engine.getHardwareScalingLevel();
    pin.moveTo(p.x * scale, p.y * scale, p.z > 0 && p.z < 1);
  }
}
