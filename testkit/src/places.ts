/** Points comfortably inside each district of the real cities (the boundary files' label points, checked by core's geofence tests). */
export const PLACES = {
  harbin: {
    道里区: [126.617, 45.773], 南岗区: [126.669, 45.76], 道外区: [126.649, 45.792], 平房区: [126.638, 45.598],
    松北区: [126.517, 45.795], 香坊区: [126.663, 45.708], 呼兰区: [126.588, 45.889], 阿城区: [126.958, 45.549], 双城区: [126.313, 45.383],
  },
  kunming: { 五华区: [102.704, 25.048], 盘龙区: [102.752, 25.116], 西山区: [102.664, 25.039], 官渡区: [102.749, 24.95], 呈贡区: [102.822, 24.886], 安宁市: [102.478, 24.919] },
  nantong: { 崇川区: [120.857, 32.01], 通州区: [121.074, 32.066] },
  yancheng: { 亭湖区: [120.197, 33.391], 盐都区: [120.154, 33.338] },
} as const satisfies Record<string, Record<string, readonly [number, number]>>;
