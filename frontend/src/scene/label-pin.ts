// A DOM label pinned over the canvas, moved every frame the camera or the agents move.
//
// With CSS Typed OM (Chromium, Safari) a move changes two numbers of a transform the pin
// keeps: no string is built per frame. Elsewhere (Firefox) one transform string is written.
// Either way nothing is written while the label stays within a tenth of a pixel.

/** "above": the label's bottom centre sits on the point; "below": its top centre. */
export type LabelAnchor = "above" | "below";

const typedOm =
  typeof CSSTransformValue !== "undefined" && typeof CSSTranslate !== "undefined" && typeof CSS !== "undefined" && typeof CSS.px === "function";

export class LabelPin {
  private x = Number.NaN;
  private y = Number.NaN;
  private shown = true;
  private readonly tx: CSSUnitValue | null = null;
  private readonly ty: CSSUnitValue | null = null;
  private readonly transform: CSSTransformValue | null = null;

  constructor(
    readonly el: HTMLElement,
    private readonly anchor: LabelAnchor,
  ) {
    if (typedOm && el.attributeStyleMap) {
      this.tx = CSS.px(0);
      this.ty = CSS.px(0);
      this.transform = new CSSTransformValue([
        new CSSTranslate(this.tx, this.ty),
        new CSSTranslate(CSS.percent(-50), CSS.percent(anchor === "above" ? -100 : 0)),
      ]);
    }
  }

  /** Move to (x, y) CSS px in the label layer; hide it when the point is off screen. */
  moveTo(x: number, y: number, visible: boolean): void {
    if (visible !== this.shown) {
      this.shown = visible;
      this.el.style.visibility = visible ? "" : "hidden";
    }
    if (!visible) return;
    const rx = Math.round(x * 10) / 10;
    const ry = Math.round(y * 10) / 10;
    if (rx === this.x && ry === this.y) return;
    this.x = rx;
    this.y = ry;
    if (this.transform && this.tx && this.ty) {
      this.tx.value = rx;
      this.ty.value = ry;
      this.el.attributeStyleMap.set("transform", this.transform);
    } else {
      const shift = this.anchor === "above" ? "-100%" : "0";
      this.el.style.transform = `translate(${rx}px, ${ry}px) translate(-50%, ${shift})`;
    }
  }

  remove(): void {
    this.el.remove();
  }
}
