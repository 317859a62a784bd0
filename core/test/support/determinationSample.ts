/**
 * A determination as the tests and bench:cluster print it: Harbin, two vehicles, the content
 * hashed and coded with a fixed secret (core/test/determinationPdf.test.ts, tools/bench/cluster.bench.ts).
 */
import type { DeterminationDocument } from '../../src/documents/determinationPdf.ts';
import { determinationContentSha256, documentCode, formatCode, verificationUrl, type DeterminationContent } from '../../src/documents/verification.ts';
import { maskName, maskPlate } from '../../src/privacy/mask.ts';

export const SECRET = 'test-secret-0123456789abcdef';
export const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';

export function content(): DeterminationContent {
  return {
    number: 'HRB-2026-000123',
    bureau: '哈尔滨市公安局交通警察支队',
    brigade: '道里交通警察大队',
    city: '哈尔滨市',
    timeZone: 'Asia/Shanghai',
    issuedAt: new Date('2026-06-01T02:30:00Z'),
    accident: {
      time: new Date('2026-06-01T01:12:00Z'),
      address: '友谊路与经纬街交叉口',
      district: '道里区',
      lng: 126.617,
      lat: 45.773,
      type: '追尾',
    },
    facts:
      '2026年6月1日9时12分许，甲方驾驶小型轿车沿友谊路由西向东行驶至经纬街交叉口时，因未与前车保持足以采取紧急制动措施的安全距离，与同向前方等候信号灯的乙方驾驶的小型新能源汽车尾部相撞，造成两车不同程度损坏，无人员受伤。',
    parties: [
      {
        name: maskName('张三丰'),
        role: '甲方',
        plate: maskPlate('黑A12345'),
        vehicleClass: '小型轿车',
        insurer: '中国人民财产保险股份有限公司',
        faultBehaviour: '未与前车保持足以采取紧急制动措施的安全距离',
        liability: 'full',
      },
      {
        name: maskName('李四'),
        role: '乙方',
        plate: maskPlate('黑AD67890'),
        vehicleClass: '小型新能源汽车',
        insurer: '中国平安财产保险股份有限公司',
        faultBehaviour: '无',
        liability: 'none',
      },
    ],
    evidenceChainHead: HASH,
    reviewWindowDays: 3,
  };
}

export function sample(over: Partial<DeterminationContent> = {}): DeterminationDocument {
  const c = { ...content(), ...over };
  const code = documentCode(c.number, determinationContentSha256(c), SECRET);
  return { ...c, verification: { url: verificationUrl('https://kuaichu.example.gov.cn', code), code: formatCode(code) } };
}

