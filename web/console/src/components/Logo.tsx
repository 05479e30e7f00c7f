/** Logo is the Flotilla mark: three sails (no font or image needed). */
export function Logo(props: { size?: number }) {
  const s = props.size ?? 18;
  return (
    <svg class="brand-mark" width={s} height={s} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M4 16 L9 4 L9 16 Z" fill="currentColor" />
      <path d="M10.5 16 L15 7 L15 16 Z" fill="currentColor" opacity="0.7" />
      <path d="M16.5 16 L20 10 L20 16 Z" fill="currentColor" opacity="0.45" />
      <path d="M2 18 H22 L19 21 H5 Z" fill="currentColor" />
    </svg>
  );
}
